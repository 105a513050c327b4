using System.Net;

namespace ClickOrleans.Client;

/// <summary>The Api's answer to one <c>POST /clicks/batch</c>, and what it says about the Api.</summary>
/// <param name="Refusal">What a refusal said; null for a 2xx.</param>
internal sealed record BatchAnswer(HttpStatusCode Status, BatchRefusal? Refusal)
{
    public bool Accepted => (int)Status is >= 200 and < 300;

    public bool KeyRefused => Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden;

    /// <summary>Some clicks named invalid: the others can be sent again.</summary>
    public bool NamesInvalidClicks => Status == HttpStatusCode.BadRequest && Refusal!.InvalidFields.Count > 0;

    /// <summary>
    /// A failure no resend of this batch mends and that is not about its clicks: a 5xx past the HTTP pipeline's retries,
    /// or a 4xx other than a refused key or invalid clicks (a wrong address, a batch over the Api's limit). These open
    /// the circuit.
    /// </summary>
    public bool Permanent => !Accepted && !KeyRefused && !NamesInvalidClicks;

    public string Reason => $"{(int)Status}: {Refusal?.Detail}";
}
