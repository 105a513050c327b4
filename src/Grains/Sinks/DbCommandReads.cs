using System.Data.Common;

namespace ClickOrleans.Sinks;

/// <summary>Reads shared by the stores' ADO.NET commands.</summary>
internal static class DbCommandReads
{
    /// <summary>The first column of every row the command returns, as text.</summary>
    public static async Task<IReadOnlyList<string>> ReadFirstColumnAsync(this DbCommand command, CancellationToken cancellationToken)
    {
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
