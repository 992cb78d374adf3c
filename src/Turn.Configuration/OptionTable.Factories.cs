using System.Linq.Expressions;
using System.Net;
using C = Turn.Configuration.TurnServerConfig;
using P = Turn.Configuration.ValueParsers;

namespace Turn.Configuration;

/// <summary>Typed factories used by the table: each one fixes argument kind, value kind, validation and application.</summary>
public static partial class OptionTable
{
    private static OptionBuilder Special(string letterOrName, ArgumentKind kind, bool hasLongName) =>
        new(letterOrName, kind, kind == ArgumentKind.Required ? ValueKind.File : ValueKind.None, hasLongName);

    /// <summary>Boolean flag (optional argument) bound to a property.</summary>
    private static OptionBuilder Flag(string name, Expression<Func<C, bool>> property)
    {
        var info = OptionBuilder.PropertyOf(property);
        return new OptionBuilder(name, ArgumentKind.OptionalBoolean, ValueKind.Boolean)
            .Property(property)
            .Applies((c, v, _) => info.SetValue(c, P.ParseBool(v)));
    }

    /// <summary>Boolean flag that sets the negation of a property (e.g. --cli clears NoCli).</summary>
    private static OptionBuilder FlagNot(string name, Expression<Func<C, bool>> property)
    {
        var info = OptionBuilder.PropertyOf(property);
        return new OptionBuilder(name, ArgumentKind.OptionalBoolean, ValueKind.Boolean)
            .Property(property, showDefault: false)
            .Applies((c, v, _) => info.SetValue(c, !P.ParseBool(v)));
    }

    /// <summary>Boolean flag with custom application.</summary>
    private static OptionBuilder FlagDo(string name, Action<C, bool> apply) =>
        new OptionBuilder(name, ArgumentKind.OptionalBoolean, ValueKind.Boolean)
            .Applies((c, v, _) => apply(c, P.ParseBool(v)));

    /// <summary>A plain switch without argument.</summary>
    private static OptionBuilder Switch(string name, Expression<Func<C, bool>> property)
    {
        var info = OptionBuilder.PropertyOf(property);
        return new OptionBuilder(name, ArgumentKind.None, ValueKind.None)
            .Property(property)
            .Applies((c, v, _) => info.SetValue(c, P.ParseBool(v)));
    }

    private static OptionBuilder Port(string name, Expression<Func<C, int>> property, bool allowZero = false)
    {
        var info = OptionBuilder.PropertyOf(property);
        return new OptionBuilder(name, ArgumentKind.Required, ValueKind.Port)
            .Property(property)
            .Applies((c, v, _) => info.SetValue(c, P.ParsePort(v, allowZero)));
    }

    private static OptionBuilder Int(string name, LambdaExpression property, int min, int max = int.MaxValue)
    {
        var info = OptionBuilder.PropertyOf(property);
        return new OptionBuilder(name, ArgumentKind.Required, ValueKind.Integer)
            .Property(property)
            .Applies((c, v, _) => info.SetValue(c, P.ParseInt(v, min, max)));
    }

    private static OptionBuilder Long(string name, Expression<Func<C, long>> property)
    {
        var info = OptionBuilder.PropertyOf(property);
        return new OptionBuilder(name, ArgumentKind.Required, ValueKind.Integer)
            .Property(property)
            .Applies((c, v, _) => info.SetValue(c, P.ParseLong(v, 0, long.MaxValue)));
    }

    /// <summary>Optional integer (<c>--name</c> alone = <paramref name="whenEmpty"/>, or <c>--name=N</c>).</summary>
    private static OptionBuilder OptInt(string name, LambdaExpression property, int whenEmpty, int min, int max = int.MaxValue)
    {
        var info = OptionBuilder.PropertyOf(property);
        return new OptionBuilder(name, ArgumentKind.OptionalInteger, ValueKind.Integer)
            .Property(property)
            .Applies((c, v, _) => info.SetValue(c, string.IsNullOrEmpty(v) ? whenEmpty : P.ParseInt(v, min, max)));
    }

    private static OptionBuilder Str(string name, Expression<Func<C, string?>> property, bool allowEmpty = false,
        ValueKind kind = ValueKind.String)
    {
        var info = OptionBuilder.PropertyOf(property);
        return new OptionBuilder(name, ArgumentKind.Required, kind)
            .Property(property)
            .Applies((c, v, _) => info.SetValue(c, P.RequireValue(v, allowEmpty)));
    }

    private static OptionBuilder FilePath(string name, Expression<Func<C, string?>> property) =>
        Str(name, property, kind: ValueKind.File);

    private static OptionBuilder Ip(string name, Expression<Func<C, IPAddress?>> property)
    {
        var info = OptionBuilder.PropertyOf(property);
        return new OptionBuilder(name, ArgumentKind.Required, ValueKind.IpAddress)
            .Property(property)
            .Applies((c, v, ctx) => info.SetValue(c, P.ParseAddress(P.RequireValue(v), ctx)));
    }

    private static OptionBuilder List<T>(string name, Expression<Func<C, List<T>>> property, ValueKind kind,
        Func<string?, ApplyContext, T> parse)
    {
        var getter = property.Compile();
        return new OptionBuilder(name, ArgumentKind.Required, kind)
            .Property(property)
            .Repeat()
            .Applies((c, v, ctx) => getter(c).Add(parse(P.RequireValue(v), ctx)));
    }

    private static OptionBuilder IpList(string name, Expression<Func<C, List<IPAddress>>> property) =>
        List(name, property, ValueKind.IpAddress, P.ParseAddress);

    private static OptionBuilder RangeList(string name, Expression<Func<C, List<IpRange>>> property) =>
        List(name, property, ValueKind.AddressRange, (v, _) => P.ParseRange(v));

    private static OptionBuilder ServerList(string name, Expression<Func<C, List<ServerAddress>>> property, int defaultPort) =>
        List(name, property, ValueKind.ServerAddress, (v, ctx) => P.ParseServerAddress(v, defaultPort, ctx))
            .Default($"port {defaultPort} when omitted");

    private static OptionBuilder Enum<T>(string name, LambdaExpression property, params (string Name, T Value)[] map)
    {
        var info = OptionBuilder.PropertyOf(property);
        return new OptionBuilder(name, ArgumentKind.Required, ValueKind.Enum)
            .Property(property)
            .Values(map.Select(m => m.Name).ToArray())
            .Applies((c, v, _) => info.SetValue(c, P.ParseEnum(v, map)));
    }

    /// <summary>An option that coturn removed or turned into a no-op: accepted (any value), ignored, warned about.</summary>
    private static OptionBuilder Obsolete(string name, string note, ArgumentKind kind = ArgumentKind.OptionalBoolean) =>
        new OptionBuilder(name, kind, kind == ArgumentKind.OptionalBoolean ? ValueKind.Boolean : ValueKind.String)
            .Removed(note)
            .Applies((_, _, _) => { });

    private static OptionDefinition[] Section(OptionSection section, params OptionBuilder[] builders) =>
        builders.Select(b => b.Build(section)).ToArray();
}
