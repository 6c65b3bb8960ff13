// MediaInfra: filled in by the foundation work.
