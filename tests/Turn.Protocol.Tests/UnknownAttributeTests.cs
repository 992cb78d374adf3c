namespace Turn.Protocol.Tests;

/// <summary>Unknown comprehension-required attributes are surfaced for a 420 response (RFC 8489 §7.3.1, §14.13).</summary>
public class UnknownAttributeTests
{
    [Fact]
    public void Unknown_comprehension_required_attributes_are_listed_once_each()
    {
        byte[] bytes = TestHelpers.Build((ref StunMessageWriter w) =>
        {
            w.AddRequestedTransport(TransportProtocol.Udp);
            w.AddAttribute(0x0031, [1, 2, 3]);
            w.AddAttribute(0x8FFF, [1]);           // unknown but comprehension-optional: not listed
            w.AddAttribute(0x7ABC, []);
            w.AddAttribute(0x0031, [4]);           // duplicate: listed once
            w.AddAttribute(0x000E, [0, 0, 0, 0]);  // unassigned low number
        });
        StunMessage m = TestHelpers.ParseOk(bytes);
        Assert.True(m.HasUnknownComprehensionRequired);
        Assert.Equal(4, m.UnknownComprehensionRequiredCount);
        Span<ushort> unknown = stackalloc ushort[8];
        int count = m.CopyUnknownComprehensionRequired(unknown);
        Assert.Equal(new ushort[] { 0x0031, 0x7ABC, 0x000E }, unknown[..count].ToArray());

        // Truncated destination.
        Assert.Equal(1, m.CopyUnknownComprehensionRequired(unknown[..1]));

        // The 420 answer.
        var buffer = new byte[256];
        var w = new StunMessageWriter(buffer);
        w.WriteHeader(m.Method, StunClass.ErrorResponse, m.TransactionId);
        w.AddErrorCode(StunErrorCode.UnknownAttribute);
        w.AddUnknownAttributes(unknown[..count]);
        StunMessage response = TestHelpers.ParseOk(w.Written);
        Assert.True(response.TryGetErrorCode(out int code, out _));
        Assert.Equal(420, code);
        Span<ushort> listed = stackalloc ushort[8];
        Assert.True(StunAttributeReader.TryReadUnknownAttributes(TestHelpers.Attribute(response, StunAttributeType.UnknownAttributes), listed, out int listedCount));
        Assert.Equal(unknown[..count].ToArray(), listed[..listedCount].ToArray());
    }

    [Fact]
    public void Every_named_type_is_known_and_nothing_else_in_the_required_range_is()
    {
        var named = new HashSet<ushort>(Enum.GetValues<StunAttributeType>().Select(t => (ushort)t));
        for (int type = 0; type <= 0xFFFF; type++)
        {
            Assert.Equal(named.Contains((ushort)type), StunAttributeTypes.IsKnown((ushort)type));
            if (named.Contains((ushort)type))
            {
                Assert.NotEqual($"0x{type:X4}", StunAttributeTypes.GetName((ushort)type));
            }
        }

        Assert.False(StunAttributeTypes.IsUnknownComprehensionRequired(0x8FFF));
        Assert.True(StunAttributeTypes.IsUnknownComprehensionRequired(0x0000));
        Assert.Equal("0x1234", StunAttributeTypes.GetName(0x1234));
    }

    [Fact]
    public void Iana_numbers()
    {
        // Spot checks against the IANA registry / RFC text.
        Assert.Equal(0x0001, (int)StunAttributeType.MappedAddress);
        Assert.Equal(0x0003, (int)StunAttributeType.ChangeRequest);
        Assert.Equal(0x0017, (int)StunAttributeType.RequestedAddressFamily);
        Assert.Equal(0x001B, (int)StunAttributeType.AccessToken);
        Assert.Equal(0x001C, (int)StunAttributeType.MessageIntegritySha256);
        Assert.Equal(0x001D, (int)StunAttributeType.PasswordAlgorithm);
        Assert.Equal(0x001E, (int)StunAttributeType.UserHash);
        Assert.Equal(0x0026, (int)StunAttributeType.Padding);
        Assert.Equal(0x0027, (int)StunAttributeType.ResponsePort);
        Assert.Equal(0x002A, (int)StunAttributeType.ConnectionId);
        Assert.Equal(0x8000, (int)StunAttributeType.AdditionalAddressFamily);
        Assert.Equal(0x8001, (int)StunAttributeType.AddressErrorCode);
        Assert.Equal(0x8002, (int)StunAttributeType.PasswordAlgorithms);
        Assert.Equal(0x8003, (int)StunAttributeType.AlternateDomain);
        Assert.Equal(0x8004, (int)StunAttributeType.Icmp);
        Assert.Equal(0x8022, (int)StunAttributeType.Software);
        Assert.Equal(0x8023, (int)StunAttributeType.AlternateServer);
        Assert.Equal(0x8028, (int)StunAttributeType.Fingerprint);
        Assert.Equal(0x8029, (int)StunAttributeType.IceControlled);
        Assert.Equal(0x802A, (int)StunAttributeType.IceControlling);
        Assert.Equal(0x802B, (int)StunAttributeType.ResponseOrigin);
        Assert.Equal(0x802C, (int)StunAttributeType.OtherAddress);
        Assert.Equal(0x802E, (int)StunAttributeType.ThirdPartyAuthorization);
        Assert.Equal(0x802F, (int)StunAttributeType.Origin);
        Assert.Equal(0x8030, (int)StunAttributeType.MobilityTicket);
    }
}
