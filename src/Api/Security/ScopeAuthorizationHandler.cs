using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Api.Security;

/// <summary>A scope an endpoint needs.</summary>
internal sealed record ScopeRequirement(string Scope) : IAuthorizationRequirement;

/// <summary>With keys configured, the caller's key must carry the scope; without keys, anyone may (see <see cref="ApiSecurityExtensions"/>).</summary>
internal sealed class ScopeAuthorizationHandler(IOptionsMonitor<ApiKeyOptions> keys) : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (keys.CurrentValue.Keys.Count == 0 || context.User.HasClaim(Scopes.ClaimType, requirement.Scope))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
