using System.Text;
using System.Text.RegularExpressions;

namespace Turn.UserDb.Sqlite;

/// <summary>The CREATE TABLE statements of <c>turndb/schema.sql</c> (embedded at build time), one per table.</summary>
internal static partial class SqliteSchema
{
    private static readonly Lazy<IReadOnlyList<(string Table, string Sql)>> Parsed = new(Load);

    /// <summary>(table name, CREATE statement) in file order.</summary>
    public static IReadOnlyList<(string Table, string Sql)> Statements => Parsed.Value;

    private static List<(string Table, string Sql)> Load()
    {
        using Stream stream = typeof(SqliteSchema).Assembly.GetManifestResourceStream("Turn.UserDb.Sqlite.schema.sql")
            ?? throw new InvalidOperationException("The embedded schema.sql is missing from " + typeof(SqliteSchema).Assembly.GetName().Name);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var sql = new StringBuilder();
        while (reader.ReadLine() is { } line)
        {
            if (!line.TrimStart().StartsWith("--", StringComparison.Ordinal))
            {
                sql.AppendLine(line);
            }
        }

        var result = new List<(string Table, string Sql)>();
        foreach (string statement in sql.ToString().Split(';'))
        {
            string text = statement.Trim();
            if (text.Length == 0)
            {
                continue;
            }

            Match m = CreateTable().Match(text);
            if (!m.Success)
            {
                throw new InvalidOperationException("schema.sql holds a statement that is not CREATE TABLE: " + text[..Math.Min(40, text.Length)]);
            }

            result.Add((m.Groups[1].Value, text));
        }

        return result;
    }

    [GeneratedRegex(@"^CREATE\s+TABLE\s+([A-Za-z_][A-Za-z0-9_]*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CreateTable();
}
