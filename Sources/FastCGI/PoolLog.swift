import Logging

/// The pool's and workers' log (JSON lines through the process's swift-log handler). Made on
/// first use, after the executable has bootstrapped logging.
let poolLog = Logger(label: "pool")
