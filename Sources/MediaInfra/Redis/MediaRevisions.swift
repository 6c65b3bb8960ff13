/// Revision counters in Redis that tell API processes on every host that media changed.
/// Writers bump two after each write to a media row or its variants: the media's own and its
/// organization's (list pages depend on every row of it). Readers keep what they cached with
/// the revision they read first, and serve it again only while the counter still says the
/// same. A counter lives `lifetimeSeconds` past its last bump, far longer than anything is
/// cached, so a counter expiring back to "none" cannot make an old entry match again.
public struct MediaRevisions {
    public static let lifetimeSeconds = 86_400
    /// What a counter that was never bumped (or expired) reads as; no bump produces it.
    public static let none = "0"

    let redis: RedisConnection

    public init(redis: RedisConnection) { self.redis = redis }

    static func mediaKey(_ id: String) -> String { "media:rev:media:\(id)" }
    static func organizationKey(_ id: String) -> String { "media:rev:org:\(id)" }

    /// Both counters in one round trip; each gets its lifetime again.
    private static let bumpScript = """
        for _, key in ipairs(KEYS) do
          redis.call('INCR', key)
          redis.call('EXPIRE', key, ARGV[1])
        end
        return #KEYS
        """

    public func bump(mediaId: String, organizationId: String) throws {
        try redis.command(["EVAL", Self.bumpScript, "2", Self.mediaKey(mediaId), Self.organizationKey(organizationId),
                           String(Self.lifetimeSeconds)])
    }

    public func media(_ id: String) throws -> String {
        try redis.command(["GET", Self.mediaKey(id)]).string ?? Self.none
    }

    public func organization(_ id: String) throws -> String {
        try redis.command(["GET", Self.organizationKey(id)]).string ?? Self.none
    }
}
