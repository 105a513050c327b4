using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using ClickOrleans.Api.Hosting;
using ClickOrleans.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Api.Security;

public static class ApiSecurityExtensions
{
    /// <summary>The rate-limiting policy every Api endpoint carries, <c>/health</c> too.</summary>
    public const string RateLimitPolicy = "per-key";

    /// <summary>The host names an Api without keys answers (ASP.NET Core's host filtering, <c>AllowedHosts</c>).</summary>
    public const string LoopbackHosts = "localhost;127.0.0.1;[::1]";

    /// <summary>
    /// API keys with scopes, and per-key rate limits. Without keys, the embedded Api binds to loopback only (with a
    /// warning) and a cluster-mode Api refuses to start unless <c>Api:AllowAnonymous=true</c>.
    /// </summary>
    /// <exception cref="MissingSettingException">Cluster mode without keys and without <c>Api:AllowAnonymous</c>.</exception>
    public static WebApplicationBuilder AddApiSecurity(this WebApplicationBuilder builder, bool embedded)
    {
        var services = builder.Services;
        services.AddValidatedOptions<ApiKeyOptions, ApiKeyOptionsValidator>(ApiKeyOptions.Section);

        var options = builder.Configuration.GetSection(ApiKeyOptions.Section).Get<ApiKeyOptions>() ?? new();
        services.AddSingleton(new ApiAccess(Anonymous: options.Keys.Count == 0));
        services.AddHostedService<ApiKeysWatch>();
        if (options.Keys.Count == 0)
        {
            if (!embedded && !options.AllowAnonymous)
            {
                throw new MissingSettingException(
                    "Api:Keys is empty. Configure API keys (e.g. Api__Keys__0__Name=shop, Api__Keys__0__KeyHash=<sha-256 hex>, " +
                    "Api__Keys__0__Scopes__0=ingest), or set Api:AllowAnonymous=true to run without them behind something that authenticates.");
            }

            if (embedded)
            {
                // A web page could point a name of its own at 127.0.0.1 (DNS rebinding) and reach the anonymous Api as
                // its own origin: only requests for the loopback names pass, unless AllowedHosts says otherwise.
                builder.Configuration["AllowedHosts"] ??= LoopbackHosts;
                // Kestrel:Endpoints overrides UseUrls: what Kestrel then binds is checked once it listens.
                builder.WebHost.UseUrls([.. (HostUrls.Configured(builder.Configuration) ?? [HostUrls.Loopback(ApiDefaults.Port)]).Select(LoopbackOnly)]);
                services.AddHostedService<LoopbackOnlyCheck>();
            }
        }

        services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // ASP.NET Core trusts loopback by default: only the proxies configured are trusted.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in options.KnownProxies)
            {
                if (IPAddress.TryParse(proxy, out var address))
                {
                    forwarded.KnownProxies.Add(address);
                }
            }
        });
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddSingleton<IAuthorizationHandler, ScopeAuthorizationHandler>();
        var authorization = services.AddAuthorizationBuilder();
        foreach (var scope in Scopes.All)
        {
            authorization.AddPolicy(scope, policy => policy.AddRequirements(new ScopeRequirement(scope)));
        }

        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = WriteTooManyRequestsAsync;
            limiter.AddPolicy(RateLimitPolicy, PartitionByKey);
        });
        return builder;
    }

    /// <summary>Whether the caller may administer (a key with the <c>admin</c> scope, or anyone on an Api without keys).</summary>
    public static async Task<bool> IsAdministratorAsync(HttpContext context) =>
        (await context.RequestServices.GetRequiredService<IAuthorizationService>().AuthorizeAsync(context.User, Scopes.Admin)).Succeeded;

    // One token bucket per key (per client address when anonymous): a noisy client cannot starve the others.
    private static RateLimitPartition<string> PartitionByKey(HttpContext http)
    {
        var options = http.RequestServices.GetRequiredService<IOptionsMonitor<ApiKeyOptions>>().CurrentValue;
        if (options.RequestsPerSecond == 0)
        {
            return RateLimitPartition.GetNoLimiter("unlimited");
        }

        var partition = http.User.Identity?.Name ?? "address:" + http.Connection.RemoteIpAddress;
        return RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Burst,
            TokensPerPeriod = options.RequestsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private static async ValueTask WriteTooManyRequestsAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
        context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context.HttpContext,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"This key sent more than its rate allows (Api:RequestsPerSecond). Retry after {retryAfter} s; nothing was staged.",
            },
        });
    }

    private static string LoopbackOnly(string url)
    {
        var address = BindingAddress.Parse(url);
        return IsLoopback(url) ? url : $"{address.Scheme}://127.0.0.1:{address.Port}{address.PathBase}";
    }

    /// <summary>Whether an address Kestrel binds (or was told to bind) is loopback: <c>localhost</c> or a loopback IP.</summary>
    internal static bool IsLoopback(string url)
    {
        var host = BindingAddress.Parse(url).Host;
        return host == "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }
}
