namespace ClickOrleans.Tests.Infrastructure;

/// <summary>Waits for an observable outcome with a deadline, instead of sleeping for a guessed time.</summary>
public static class Poll
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> observe, Func<T, bool> done, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        var value = await observe();
        while (!done(value) && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
            value = await observe();
        }

        return value;
    }
}
