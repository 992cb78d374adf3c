namespace Turn.Protocol;

/// <summary>Facts about attribute type numbers.</summary>
public static class StunAttributeTypes
{
    /// <summary>True if this library knows the type (it is a named <see cref="StunAttributeType"/>).</summary>
    public static bool IsKnown(ushort type) => type switch
    {
        0x0001 or 0x0002 or 0x0003 or 0x0004 or 0x0005 or 0x0006 or 0x0007 or 0x0008 or 0x0009 or 0x000A or 0x000B
        or 0x000C or 0x000D or 0x0010 or 0x0012 or 0x0013 or 0x0014 or 0x0015 or 0x0016 or 0x0017 or 0x0018
        or 0x0019 or 0x001A or 0x001B or 0x001C or 0x001D or 0x001E or 0x0020 or 0x0021 or 0x0022 or 0x0024
        or 0x0025 or 0x0026 or 0x0027 or 0x002A => true,
        0x8000 or 0x8001 or 0x8002 or 0x8003 or 0x8004 or 0x8020 or 0x8022 or 0x8023 or 0x8025 or 0x8027
        or 0x8028 or 0x8029 or 0x802A or 0x802B or 0x802C or 0x802D or 0x802E or 0x802F or 0x8030
        or 0x8032 or 0x8033 => true,
        _ => false,
    };

    /// <summary>RFC 8489 §14: 0x0000–0x7FFF must be understood or the request is answered with 420.</summary>
    public static bool IsComprehensionRequired(ushort type) => type < 0x8000;

    /// <summary>True for a comprehension-required type that this library does not know.</summary>
    public static bool IsUnknownComprehensionRequired(ushort type) => type < 0x8000 && !IsKnown(type);

    /// <summary>The registry name ("XOR-MAPPED-ADDRESS"), or "0xNNNN" for an unknown type.</summary>
    public static string GetName(ushort type) => type switch
    {
        0x0001 => "MAPPED-ADDRESS",
        0x0002 => "RESPONSE-ADDRESS",
        0x0003 => "CHANGE-REQUEST",
        0x0004 => "SOURCE-ADDRESS",
        0x0005 => "CHANGED-ADDRESS",
        0x0006 => "USERNAME",
        0x0007 => "PASSWORD",
        0x0008 => "MESSAGE-INTEGRITY",
        0x0009 => "ERROR-CODE",
        0x000A => "UNKNOWN-ATTRIBUTES",
        0x000B => "REFLECTED-FROM",
        0x000C => "CHANNEL-NUMBER",
        0x000D => "LIFETIME",
        0x0010 => "BANDWIDTH",
        0x0012 => "XOR-PEER-ADDRESS",
        0x0013 => "DATA",
        0x0014 => "REALM",
        0x0015 => "NONCE",
        0x0016 => "XOR-RELAYED-ADDRESS",
        0x0017 => "REQUESTED-ADDRESS-FAMILY",
        0x0018 => "EVEN-PORT",
        0x0019 => "REQUESTED-TRANSPORT",
        0x001A => "DONT-FRAGMENT",
        0x001B => "ACCESS-TOKEN",
        0x001C => "MESSAGE-INTEGRITY-SHA256",
        0x001D => "PASSWORD-ALGORITHM",
        0x001E => "USERHASH",
        0x0020 => "XOR-MAPPED-ADDRESS",
        0x0021 => "TIMER-VAL",
        0x0022 => "RESERVATION-TOKEN",
        0x0024 => "PRIORITY",
        0x0025 => "USE-CANDIDATE",
        0x0026 => "PADDING",
        0x0027 => "RESPONSE-PORT",
        0x002A => "CONNECTION-ID",
        0x8000 => "ADDITIONAL-ADDRESS-FAMILY",
        0x8001 => "ADDRESS-ERROR-CODE",
        0x8002 => "PASSWORD-ALGORITHMS",
        0x8003 => "ALTERNATE-DOMAIN",
        0x8004 => "ICMP",
        0x8020 => "XOR-MAPPED-ADDRESS (legacy 0x8020)",
        0x8022 => "SOFTWARE",
        0x8023 => "ALTERNATE-SERVER",
        0x8025 => "TRANSACTION-TRANSMIT-COUNTER",
        0x8027 => "CACHE-TIMEOUT",
        0x8028 => "FINGERPRINT",
        0x8029 => "ICE-CONTROLLED",
        0x802A => "ICE-CONTROLLING",
        0x802B => "RESPONSE-ORIGIN",
        0x802C => "OTHER-ADDRESS",
        0x802D => "ECN-CHECK",
        0x802E => "THIRD-PARTY-AUTHORIZATION",
        0x802F => "ORIGIN",
        0x8030 => "MOBILITY-TICKET",
        0x8032 => "ADDITIONAL-ADDRESS-FAMILY (coturn 0x8032)",
        0x8033 => "ADDRESS-ERROR-CODE (coturn 0x8033)",
        _ => "0x" + type.ToString("X4", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>True for attributes whose value is a plain (not XOR'ed) transport address.</summary>
    public static bool IsPlainAddress(ushort type) => type is 0x0001 or 0x0002 or 0x0004 or 0x0005 or 0x000B
        or 0x8023 or 0x802B or 0x802C;

    /// <summary>True for attributes whose value is an XOR'ed transport address.</summary>
    public static bool IsXorAddress(ushort type) => type is 0x0012 or 0x0016 or 0x0020 or 0x8020;
}
