// MediaApp: filled in by the foundation work.
