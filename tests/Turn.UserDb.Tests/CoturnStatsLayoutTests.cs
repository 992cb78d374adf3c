using Turn.UserDb.Redis;

namespace Turn.UserDb.Tests;

/// <summary>coturn 4.6.1's status database names and messages, as its turnserver writes them (seen with Redis MONITOR).</summary>
public sealed class CoturnStatsLayoutTests
{
    [Fact]
    public void KeysNameRealmUserAndAnEighteenDigitAllocationId()
    {
        Assert.Equal("turn/realm/example.org/user/bob/allocation/001000000000000003/status", CoturnStatsLayout.StatusKey("example.org", "bob", 1_000_000_000_000_003));
        Assert.Equal("turn/user/bob/allocation/000000000000000007/status", CoturnStatsLayout.StatusKey(string.Empty, "bob", 7));
        Assert.Equal("turn/realm/r/user//allocation/000000000000000001/traffic", CoturnStatsLayout.TrafficChannel("r", string.Empty, 1, total: false, peer: false));
        Assert.Equal("turn/realm/r/user/u/allocation/000000000000000001/traffic/peer", CoturnStatsLayout.TrafficChannel("r", "u", 1, total: false, peer: true));
        Assert.Equal("turn/realm/r/user/u/allocation/000000000000000001/total_traffic", CoturnStatsLayout.TrafficChannel("r", "u", 1, total: true, peer: false));
        Assert.Equal("turn/realm/r/user/u/allocation/000000000000000001/total_traffic/peer", CoturnStatsLayout.TrafficChannel("r", "u", 1, total: true, peer: true));
    }

    [Fact]
    public void MessagesAreCoturnsText()
    {
        Assert.Equal(
            "new lifetime=777, type=UDP, local=127.0.0.1:24478, remote=127.0.0.1:54207, ssl=NONE, cipher=NONE",
            CoturnStatsLayout.StatusValue("new", 777, "UDP", "127.0.0.1:24478", "127.0.0.1:54207"));
        Assert.Equal("rcvp=28, rcvb=2920, sentp=28, sentb=2788", CoturnStatsLayout.TrafficMessage(28, 2920, 28, 2788));
    }
}
