import ArgumentParser
import MediaApp
import MediaCore

struct Reconcile: AdminSubcommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare the media rows with the bucket objects; exit 1 while problems remain.",
        discussion: "The last line is the machine-readable summary. See README.md for what is reported and repaired.")

    @Option(help: ArgumentHelp("Only this organization.", valueName: "slug"))
    var org: String?

    @ArgumentParser.Flag(help: "Repair what is found (without it nothing changes).")
    var fix = false

    @ArgumentParser.Flag(help: "Check only the filename search index and the media counts (no bucket is listed).")
    var searchIndexOnly = false

    @Option(help: ArgumentHelp("Leave objects and rows younger than this alone.", valueName: "minutes"))
    var graceMinutes = 60

    @Option(help: ArgumentHelp("Report presigned uploads still pending after this long.", valueName: "hours"))
    var pendingHours = 24

    func validate() throws {
        guard graceMinutes >= 0 else { throw ValidationError("--grace-minutes needs a whole number, got \(graceMinutes)") }
        guard pendingHours >= 0 else { throw ValidationError("--pending-hours needs a whole number, got \(pendingHours)") }
    }

    func run(_ admin: AdminCommands, config: AppConfig) throws -> Int32 {
        let policy = Reconciliation.Policy(graceSeconds: Double(graceMinutes) * 60, pendingSeconds: Double(pendingHours) * 3600)
        return try admin.reconcile(Reconciler.Options(orgSlug: org, fix: fix, policy: policy, searchIndexOnly: searchIndexOnly))
    }
}
