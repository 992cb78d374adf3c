using System.Linq.Expressions;
using System.Reflection;

namespace Turn.Configuration;

/// <summary>Fluent builder behind <see cref="OptionTable"/>; every declaration in the table goes through it.</summary>
internal sealed class OptionBuilder
{
    private readonly List<string> aliases = [];
    private char? shortName;
    private string? explicitDefault;
    private Func<TurnServerConfig, object?>? defaultGetter;
    private bool implemented;
    private string help = string.Empty;
    private string? details;
    private OptionStatus status = OptionStatus.Active;
    private string? statusNote;
    private string since = "4.6.1";
    private IReadOnlyList<string> allowedValues = [];
    private bool earlyPass;
    private string? argumentName;
    private OptionApplier? apply;
    private bool securityRelevant;
    private ValueSecrecy secrecy;

    public OptionBuilder(string name, ArgumentKind argument, ValueKind valueKind, bool hasLongName = true)
    {
        Name = name;
        Argument = argument;
        ValueKind = valueKind;
        HasLongName = hasLongName;
    }

    public string Name { get; }

    public ArgumentKind Argument { get; }

    public ValueKind ValueKind { get; }

    public bool HasLongName { get; }

    public bool Repeatable { get; private set; }

    public string? PropertyName { get; private set; }

    public OptionBuilder Short(char letter)
    {
        shortName = letter;
        return this;
    }

    public OptionBuilder Alias(string alias)
    {
        aliases.Add(alias);
        return this;
    }

    public OptionBuilder Default(string text)
    {
        explicitDefault = text;
        return this;
    }

    public OptionBuilder Impl()
    {
        implemented = true;
        return this;
    }

    /// <summary>Ignoring this option would leave the server less safe than its operator asked: while it is not implemented, using it is a start-up error, not a warning.</summary>
    public OptionBuilder Security()
    {
        securityRelevant = true;
        return this;
    }

    /// <summary>The value is a secret (or holds one): error messages and logs never show it as written.</summary>
    public OptionBuilder Secret(ValueSecrecy kind = ValueSecrecy.Hidden)
    {
        secrecy = kind;
        return this;
    }

    public OptionBuilder Help(string text, string? more = null)
    {
        help = text;
        details = more;
        return this;
    }

    public OptionBuilder Deprecated(string note)
    {
        status = OptionStatus.Deprecated;
        statusNote = note;
        return this;
    }

    public OptionBuilder Removed(string note)
    {
        status = OptionStatus.Removed;
        statusNote = note;
        implemented = true; // ignoring it is all there is to do
        return this;
    }

    public OptionBuilder Since(string version)
    {
        since = version;
        return this;
    }

    public OptionBuilder Early()
    {
        earlyPass = true;
        return this;
    }

    public OptionBuilder Arg(string placeholder)
    {
        argumentName = placeholder;
        return this;
    }

    public OptionBuilder Values(params string[] values)
    {
        allowedValues = values;
        return this;
    }

    /// <summary>Runs <paramref name="extra"/> after the value was applied (e.g. remember which user DB was chosen).</summary>
    public OptionBuilder Then(Action<TurnServerConfig> extra)
    {
        var inner = apply ?? throw new InvalidOperationException("Then() needs an applier");
        apply = (c, v, ctx) =>
        {
            inner(c, v, ctx);
            extra(c);
        };
        return this;
    }

    public OptionBuilder Applies(OptionApplier applier)
    {
        apply = applier;
        return this;
    }

    public OptionBuilder Repeat()
    {
        Repeatable = true;
        return this;
    }

    /// <summary>Binds to a property: records its name and uses its initial value as the displayed default.</summary>
    public OptionBuilder Property(LambdaExpression property, bool showDefault = true)
    {
        var info = PropertyOf(property);
        PropertyName = info.Name;
        if (showDefault)
        {
            defaultGetter = info.GetValue;
        }

        return this;
    }

    public OptionDefinition Build(OptionSection section)
    {
        var shortTakesValue = false;
        if (shortName is { } letter)
        {
            var index = OptionTable.ShortOptionString.IndexOf(letter, StringComparison.Ordinal);
            if (index < 0)
            {
                throw new InvalidOperationException($"short option -{letter} is not in the getopt string");
            }

            shortTakesValue = index + 1 < OptionTable.ShortOptionString.Length &&
                              OptionTable.ShortOptionString[index + 1] == ':';
        }

        return new OptionDefinition(Name, HasLongName, aliases.ToArray(), shortName, shortTakesValue, Argument, ValueKind,
            argumentName ?? DefaultPlaceholder(), Repeatable, explicitDefault, defaultGetter, implemented, section, help,
            details, status, statusNote, since, allowedValues, earlyPass, PropertyName, apply)
        {
            SecurityRelevant = securityRelevant,
            Secrecy = secrecy,
        };
    }

    internal static PropertyInfo PropertyOf(LambdaExpression property)
    {
        var body = property.Body;
        while (body is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } u)
        {
            body = u.Operand;
        }

        if (body is MemberExpression { Member: PropertyInfo info })
        {
            return info;
        }

        throw new ArgumentException("expected a property access such as c => c.ListeningPort", nameof(property));
    }

    private string? DefaultPlaceholder() => Argument switch
    {
        ArgumentKind.None or ArgumentKind.OptionalBoolean => null,
        ArgumentKind.OptionalInteger => "<number>",
        _ => ValueKind switch
        {
            ValueKind.Port => "<port>",
            ValueKind.Integer => "<number>",
            ValueKind.IpAddress => "<ip>",
            ValueKind.AddressRange => "<ip[-ip]>",
            ValueKind.ServerAddress => "<ip[:port]>",
            ValueKind.ExternalIp => "<public-ip[/private-ip]>",
            ValueKind.File => "<file>",
            ValueKind.Enum => "<" + string.Join('|', allowedValues) + ">",
            ValueKind.User => "<user:password>",
            ValueKind.Character => "<char>",
            ValueKind.Boolean => "<bool>",
            _ => "<string>",
        },
    };
}
