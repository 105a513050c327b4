using ClickOrleans.Staging;

namespace ClickOrleans.Api.Ingest;

/// <summary>Turns a client's click into a <see cref="Click"/>, or says precisely what is wrong with it.</summary>
internal sealed class ClickValidator(DateTimeOffset now, ClickOptions options)
{
    /// <param name="field">Prefix for error keys: empty for a single click, <c>[i].</c> for element i of a batch.</param>
    public bool TryValidate(ClickRequest? request, string field, IDictionary<string, string[]> errors, out Click click)
    {
        click = default;
        if (request is null)
        {
            errors[field.Length == 0 ? "$" : field.TrimEnd('.')] = ["must be a JSON object"];
            return false;
        }

        var valid = CheckNumber(request.Uid, field + "uid", errors);
        valid &= CheckNumber(request.Pid, field + "pid", errors);
        if (request.Id is not null && !ClickRules.IsValidId(request.Id))
        {
            errors[field + "id"] = ["must be " + ClickRules.IdRule];
            valid = false;
        }

        if (request.Ts is { } ts && (ts > now + options.MaxClockSkew || ts < now - options.MaxClickAge
            || !ClickRules.IsValidTimestamp(ts.ToUnixTimeMilliseconds(), long.MaxValue)))
        {
            errors[field + "ts"] = [$"must lie between {options.MaxClickAge} before and {options.MaxClockSkew} after the time of receipt (Clicks:MaxClickAge, Clicks:MaxClockSkew), and not before 1970"];
            valid = false;
        }

        if (!valid)
        {
            return false;
        }

        click = new Click(request.Id ?? ClickId.New(), request.Uid!.Value, request.Pid!.Value, (request.Ts ?? now).ToUnixTimeMilliseconds(), request.Id is not null);
        return true;
    }

    private static bool CheckNumber(long? value, string field, IDictionary<string, string[]> errors)
    {
        var error = value switch
        {
            null => "is required",
            { } number when !ClickRules.IsValidNumber(number) => "must be 0 or greater",
            _ => null,
        };
        if (error is not null)
        {
            errors[field] = [error];
        }

        return error is null;
    }
}
