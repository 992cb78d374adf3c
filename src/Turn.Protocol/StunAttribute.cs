namespace Turn.Protocol;

/// <summary>One attribute of a parsed message: a view over the message bytes.</summary>
public readonly ref struct StunAttribute
{
    internal StunAttribute(ushort type, ReadOnlySpan<byte> value, int offset, bool ignored)
    {
        Type = type;
        Value = value;
        Offset = offset;
        IsIgnored = ignored;
    }

    /// <summary>The attribute type number.</summary>
    public ushort Type { get; }

    /// <summary>The type as the enum (may be a value the enum does not name).</summary>
    public StunAttributeType KnownType => (StunAttributeType)Type;

    /// <summary>The value, without padding.</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>Offset of the attribute header from the start of the message.</summary>
    public int Offset { get; }

    /// <summary>True if RFC 8489 §14.5/§14.6 say to ignore it (only seen when enumerating with includeIgnored).</summary>
    public bool IsIgnored { get; }

    /// <summary>RFC 8489 §14: 0x0000–0x7FFF.</summary>
    public bool IsComprehensionRequired => Type < 0x8000;

    /// <summary>True if this library knows the type.</summary>
    public bool IsKnown => StunAttributeTypes.IsKnown(Type);
}
