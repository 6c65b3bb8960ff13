import MediaCore

/// 503 naming the database when it cannot be reached, else a 500; the server's text is logged.
extension DatabaseError: ContractError {}
