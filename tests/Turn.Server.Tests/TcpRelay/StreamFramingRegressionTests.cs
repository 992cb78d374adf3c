using System.Buffers.Binary;
using Turn.Protocol;
using Turn.Server.Tests.Engine;

namespace Turn.Server.Tests.TcpRelay;

/// <summary>
/// coturn 4.15 fixed "STUN length truncation broke TCP framing": a message with attributes after MESSAGE-INTEGRITY
/// had its length cut to the integrity attribute, and the stream was read on from there. Here, over a real TCP
/// connection, such a message and what follows it in the same segment are each taken whole.
/// </summary>
public sealed class StreamFramingRegressionTests
{
    [Fact]
    public void Coturn4_15_AttributesAfterIntegrityDoNotShiftTheTcpFraming()
    {
        using var server = new TcpRelayTestServer(workers: 1);
        using TcpRelayTestClient client = TcpRelayTestClient.Connect(server.Tcp);

        byte[] allocateId = [.. Enumerable.Repeat((byte)0xA1, 12)];
        byte[] bindingId = [.. Enumerable.Repeat((byte)0xB2, 12)];
        var w = new StunMessageWriter(new byte[512]);
        w.WriteHeader(StunMethod.Allocate, StunClass.Request, allocateId);
        w.AddAttribute(StunAttributeType.RequestedTransport, [17, 0, 0, 0]);
        w.AddMessageIntegrity(new byte[16]);
        byte[] allocate = w.Written.ToArray();

        // After MESSAGE-INTEGRITY: a LIFETIME and a Binding request's worth of bytes, inside the header length.
        var tail = new StunMessageWriter(new byte[512]);
        tail.WriteHeader(StunMethod.Binding, StunClass.Request, bindingId);
        tail.AddLifetime(3600);
        tail.AddAttribute(0x8055, new byte[20]);
        byte[] appended = tail.Written[Stun.HeaderLength..].ToArray();
        allocate = [.. allocate, .. appended];
        BinaryPrimitives.WriteUInt16BigEndian(allocate.AsSpan(2), (ushort)(allocate.Length - Stun.HeaderLength));

        byte[] channelData = [0x40, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0]; // unbound: dropped, padded to 4
        var b = new StunMessageWriter(new byte[64]);
        b.WriteHeader(StunMethod.Binding, StunClass.Request, bindingId);
        byte[] binding = b.Written.ToArray();

        client.Write([.. allocate, .. channelData, .. binding]);

        byte[] first = client.ReadMessage();
        Assert.Equal(allocateId, first.AsSpan(8, 12).ToArray());
        Assert.Equal(0, EngineHarness.ErrorCodeOf(first));
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(first, out StunMessage allocated));
        Assert.True(allocated.TryGetUInt32(StunAttributeType.Lifetime, out uint lifetime));
        Assert.Equal(600u, lifetime); // the LIFETIME after MESSAGE-INTEGRITY did not count

        byte[] second = client.ReadMessage();
        Assert.Equal(bindingId, second.AsSpan(8, 12).ToArray());
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(second, out StunMessage bound));
        Assert.Equal(StunMethod.Binding, bound.Method);
        Assert.Equal(StunClass.SuccessResponse, bound.Class);
    }
}
