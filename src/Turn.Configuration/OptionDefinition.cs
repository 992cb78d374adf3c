using System.Net;

namespace Turn.Configuration;

/// <summary>How an option takes its value (getopt_long semantics, as coturn declares it).</summary>
public enum ArgumentKind
{
    /// <summary>no_argument: a plain switch.</summary>
    None,

    /// <summary>required_argument: <c>--name=value</c>, <c>--name value</c>, <c>-x value</c>, <c>-xvalue</c>.</summary>
    Required,

    /// <summary>optional_argument parsed as a boolean: <c>--name</c> (true) or <c>--name=VALUE</c> only.</summary>
    OptionalBoolean,

    /// <summary>optional_argument parsed as an integer: <c>--name</c> (option's default) or <c>--name=N</c> only.</summary>
    OptionalInteger,
}

/// <summary>The type of an option's value (drives validation and the placeholder shown in help).</summary>
public enum ValueKind
{
    None,
    Boolean,
    Integer,
    Port,
    IpAddress,
    AddressRange,
    ServerAddress,
    ExternalIp,
    File,
    Enum,
    String,
    User,
    Character,
}

/// <summary>Sections used to group options in -h output and in the man page.</summary>
public enum OptionSection
{
    General,
    Listeners,
    Relay,
    PeerAccess,
    Stun,
    Authentication,
    Databases,
    Quotas,
    Tls,
    LoadBalancing,
    Logging,
    Management,
    Obsolete,
}

/// <summary>Life-cycle status of an option.</summary>
public enum OptionStatus
{
    /// <summary>A normal option.</summary>
    Active,

    /// <summary>Still works, but a warning recommends something else.</summary>
    Deprecated,

    /// <summary>Removed from coturn; accepted, ignored, and warned about.</summary>
    Removed,
}

/// <summary>One option of turnserver: everything the command line, the config file, -h and the man page need.</summary>
public sealed class OptionDefinition
{
    private readonly Func<TurnServerConfig, object?>? defaultGetter;
    private string? defaultText;
    private bool defaultComputed;

    internal OptionDefinition(
        string name,
        bool hasLongName,
        IReadOnlyList<string> aliases,
        char? shortName,
        bool shortTakesValue,
        ArgumentKind argument,
        ValueKind valueKind,
        string? argumentName,
        bool repeatable,
        string? explicitDefault,
        Func<TurnServerConfig, object?>? defaultGetter,
        bool implemented,
        OptionSection section,
        string help,
        string? details,
        OptionStatus status,
        string? statusNote,
        string since,
        IReadOnlyList<string> allowedValues,
        bool earlyPass,
        string? propertyName,
        OptionApplier? apply)
    {
        Name = name;
        HasLongName = hasLongName;
        Aliases = aliases;
        ShortName = shortName;
        ShortTakesValue = shortTakesValue;
        Argument = argument;
        ValueKind = valueKind;
        ArgumentName = argumentName;
        Repeatable = repeatable;
        defaultText = explicitDefault;
        defaultComputed = explicitDefault is not null;
        this.defaultGetter = defaultGetter;
        Implemented = implemented;
        Section = section;
        Help = help;
        Details = details;
        Status = status;
        StatusNote = statusNote;
        Since = since;
        AllowedValues = allowedValues;
        IsEarlyPass = earlyPass;
        PropertyName = propertyName;
        Apply = apply;
    }

    /// <summary>Long name without "--" (for the short-only options -c, -n, -h: the letter itself, see <see cref="HasLongName"/>).</summary>
    public string Name { get; }

    /// <summary>False for -c, -n and -h, which have no long form and cannot appear in the config file.</summary>
    public bool HasLongName { get; }

    /// <summary>Other long names of the same option (e.g. <c>db</c> for <c>userdb</c>).</summary>
    public IReadOnlyList<string> Aliases { get; }

    /// <summary>Short letter, if any.</summary>
    public char? ShortName { get; }

    /// <summary>True when the short form takes the next argument as its value (a ':' in coturn's getopt string).</summary>
    public bool ShortTakesValue { get; }

    /// <summary>How the long form takes its value.</summary>
    public ArgumentKind Argument { get; }

    /// <summary>Value type.</summary>
    public ValueKind ValueKind { get; }

    /// <summary>Placeholder for help, e.g. "&lt;port&gt;", or null for switches.</summary>
    public string? ArgumentName { get; }

    /// <summary>Repeatable: every occurrence (file, then command line) is accumulated.</summary>
    public bool Repeatable { get; }

    /// <summary>Human-readable default, or null when there is nothing to say.</summary>
    public string? DefaultText
    {
        get
        {
            if (!defaultComputed)
            {
                defaultText = defaultGetter is null ? null : FormatDefault(defaultGetter(new TurnServerConfig()));
                defaultComputed = true;
            }

            return defaultText;
        }
    }

    /// <summary>Whether this build acts on the option; when false, using it produces one warning.</summary>
    public bool Implemented { get; }

    /// <summary>Using it while it is not <see cref="Implemented"/> is a start-up error (ignoring it would weaken security).</summary>
    public bool SecurityRelevant { get; init; }

    /// <summary>Whether the value is a secret, and how error messages show it.</summary>
    public ValueSecrecy Secrecy { get; init; }

    /// <summary>The value as error messages and logs may show it.</summary>
    public string? Displayable(string? value) => Secrecy switch
    {
        _ when value is null => null,
        ValueSecrecy.Hidden => "(hidden)",
        ValueSecrecy.ConnectionString => SecretRedaction.ConnectionString(value),
        ValueSecrecy.UserEntry => SecretRedaction.UserEntry(value),
        _ => value,
    };

    /// <summary>Section for grouping in help and man page.</summary>
    public OptionSection Section { get; }

    /// <summary>One-paragraph help text.</summary>
    public string Help { get; }

    /// <summary>Extra text for the man page, or null.</summary>
    public string? Details { get; }

    /// <summary>Active, deprecated or removed.</summary>
    public OptionStatus Status { get; }

    /// <summary>What to use instead / why it is deprecated or removed.</summary>
    public string? StatusNote { get; }

    /// <summary>coturn version that introduced the option ("4.6.1" = present in 4.6.1 or earlier).</summary>
    public string Since { get; }

    /// <summary>Accepted values for enum options.</summary>
    public IReadOnlyList<string> AllowedValues { get; }

    /// <summary>True for the logging options that coturn reads from the config file before everything else (pass 0).</summary>
    public bool IsEarlyPass { get; }

    /// <summary>Name of the <see cref="TurnServerConfig"/> property set by the option, or null.</summary>
    public string? PropertyName { get; }

    /// <summary>All long names (<see cref="Name"/> then <see cref="Aliases"/>); empty for short-only options.</summary>
    public IEnumerable<string> LongNames => HasLongName ? Aliases.Prepend(Name) : [];

    /// <summary>Option in its usual written form: "--name", or "-c" for short-only options.</summary>
    public string DisplayName => HasLongName ? "--" + Name : "-" + Name;

    internal OptionApplier? Apply { get; }

    public override string ToString() => DisplayName;

    private static string? FormatDefault(object? value) => value switch
    {
        null => null,
        bool b => b ? "on" : null,
        string s => s.Length == 0 ? null : s,
        char c => c.ToString(),
        int i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
        IPAddress a => a.ToString(),
        Enum e => e.ToString().ToLowerInvariant(),
        System.Collections.ICollection => null,
        _ => value.ToString(),
    };
}

/// <summary>Parses a raw value and applies it to the configuration; throws <see cref="OptionValueException"/>.</summary>
internal delegate void OptionApplier(TurnServerConfig config, string? value, ApplyContext context);

/// <summary>Services available while applying values.</summary>
internal sealed class ApplyContext(Func<string, IPAddress[]> resolveHost, Action<string> warn)
{
    public Func<string, IPAddress[]> ResolveHost { get; } = resolveHost;

    public Action<string> Warn { get; } = warn;
}

/// <summary>A value problem, turned into a <see cref="ConfigException"/> with location by the loader.</summary>
internal sealed class OptionValueException(ConfigErrorKind kind, string reason) : Exception(reason)
{
    public ConfigErrorKind Kind { get; } = kind;
}
