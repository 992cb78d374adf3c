using System.Globalization;

namespace Turn.UserDb.Redis;

/// <summary>
/// The key and message formats of coturn 4.6.1's Redis status and statistics database (<c>--redis-statsdb</c>,
/// <c>turndb/schema.stats.redis</c>), as coturn writes them (checked against coturn 4.6.1 with <c>MONITOR</c>):
/// <list type="bullet">
/// <item>status key <c>turn/realm/&lt;realm&gt;/user/&lt;user&gt;/allocation/&lt;id&gt;/status</c> (without a realm:
/// <c>turn/user/&lt;user&gt;/allocation/&lt;id&gt;/status</c>), the id in 18 decimal digits; value
/// <c>new lifetime=600, type=UDP, local=…, remote=…, ssl=NONE, cipher=NONE</c> or <c>refreshed lifetime=…</c>, SET
/// and PUBLISHed on the same name; deleted with DEL and a PUBLISH of <c>deleted</c>;</item>
/// <item>traffic channels <c>…/allocation/&lt;id&gt;/traffic</c>, <c>…/traffic/peer</c>, <c>…/total_traffic</c>,
/// <c>…/total_traffic/peer</c>, message <c>rcvp=…, rcvb=…, sentp=…, sentb=…</c>.</item>
/// </list>
/// </summary>
public static class CoturnStatsLayout
{
    /// <summary>coturn deletes the status keys matching this at start (left over by a server that did not stop cleanly).</summary>
    public const string StatusKeyPattern = "turn/*/allocation/*/status";

    /// <summary>The status published when an allocation ends.</summary>
    public const string Deleted = "deleted";

    /// <summary><c>turn/realm/&lt;realm&gt;/user/&lt;user&gt;/allocation/&lt;id&gt;</c>, or <c>turn/user/…</c> when the realm is empty.</summary>
    public static string AllocationPrefix(string realm, string user, ulong id)
    {
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentNullException.ThrowIfNull(user);
        string digits = id.ToString("D18", CultureInfo.InvariantCulture);
        return realm.Length > 0 ? $"turn/realm/{realm}/user/{user}/allocation/{digits}" : $"turn/user/{user}/allocation/{digits}";
    }

    /// <summary>The status key (and channel) of an allocation.</summary>
    public static string StatusKey(string realm, string user, ulong id) => AllocationPrefix(realm, user, id) + "/status";

    /// <summary>The traffic channel: <c>traffic</c> or <c>total_traffic</c>, with <c>/peer</c> for the peer side.</summary>
    public static string TrafficChannel(string realm, string user, ulong id, bool total, bool peer) =>
        AllocationPrefix(realm, user, id) + (total ? "/total_traffic" : "/traffic") + (peer ? "/peer" : string.Empty);

    /// <summary>
    /// A status value: <c>new lifetime=600, type=UDP, local=127.0.0.1:3478, remote=192.0.2.1:5000, ssl=NONE, cipher=NONE</c>.
    /// </summary>
    /// <param name="status"><c>new</c> or <c>refreshed</c>.</param>
    /// <param name="lifetime">Seconds granted.</param>
    /// <param name="type">coturn's socket type name: <c>UDP</c>, <c>TCP</c>, <c>TLS/TCP</c>, <c>DTLS</c>.</param>
    /// <param name="local">The server address the client reached.</param>
    /// <param name="remote">The client's address.</param>
    /// <param name="ssl">The TLS version (<c>TLSv1.3</c>), <c>NONE</c> without TLS.</param>
    /// <param name="cipher">The cipher (OpenSSL's name), <c>NONE</c> without TLS.</param>
    public static string StatusValue(string status, uint lifetime, string type, string local, string remote, string ssl = "NONE", string cipher = "NONE") =>
        string.Create(CultureInfo.InvariantCulture, $"{status} lifetime={lifetime}, type={type}, local={local}, remote={remote}, ssl={ssl}, cipher={cipher}");

    /// <summary>A traffic message: <c>rcvp=12, rcvb=1200, sentp=12, sentb=1180</c>.</summary>
    public static string TrafficMessage(ulong receivedPackets, ulong receivedBytes, ulong sentPackets, ulong sentBytes) =>
        string.Create(CultureInfo.InvariantCulture, $"rcvp={receivedPackets}, rcvb={receivedBytes}, sentp={sentPackets}, sentb={sentBytes}");
}
