namespace ClickOrleans.Api.Security;

/// <summary>
/// Whether the Api runs without keys, fixed at start: a settings reload that leaves no keys later denies everyone
/// rather than letting everyone in.
/// </summary>
/// <param name="Anonymous">No keys were configured at start (the embedded Api on loopback, or <c>Api:AllowAnonymous</c>).</param>
internal sealed record ApiAccess(bool Anonymous);
