using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace ClickOrleans.Api.Security;

/// <summary>A scope an endpoint needs.</summary>
internal sealed record ScopeRequirement(string Scope) : IAuthorizationRequirement;

/// <summary>
/// The caller's key must carry the scope; only an Api that started without keys and still has none lets anyone in
/// (see <see cref="ApiSecurityExtensions"/>).
/// </summary>
internal sealed class ScopeAuthorizationHandler(ApiAccess access, IOptionsMonitor<ApiKeyOptions> keys) : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if ((access.Anonymous && keys.CurrentValue.Keys.Count == 0) || context.User.HasClaim(Scopes.ClaimType, requirement.Scope))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
