using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ClickOrleans;

/// <summary>
/// How every configuration section of ClickOrleans is bound: one options class per section, checked at start by its
/// source-generated <c>[OptionsValidator]</c> (each field's attributes, and the cross-field rules of its
/// <c>IValidatableObject.Validate</c>), so a bad setting stops the host with a message naming the key.
/// </summary>
public static class ValidatedOptions
{
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>Checks a section before the host is built: the <c>Clicks</c> section (Orleans reads it while the silo is
    /// constructed, before options are validated) and the embedded Redis' (started before the host).</summary>
    /// <exception cref="OptionsValidationException">The section breaks a rule.</exception>
    public static TOptions GetValidated<TOptions, TValidator>(this IConfiguration configuration, string section)
        where TOptions : class, new()
        where TValidator : IValidateOptions<TOptions>, new()
    {
        var options = configuration.GetSection(section).Get<TOptions>() ?? new();
        var result = new TValidator().Validate(Options.DefaultName, options);
        return result.Failed ? throw new OptionsValidationException(section, typeof(TOptions), result.Failures) : options;
    }

    /// <summary>What a section broke, one rule a line: what a host prints when it stops before it is built.</summary>
    public static string Describe(OptionsValidationException invalid) =>
        string.Join(Environment.NewLine, invalid.Failures.Select(failure => $"Invalid setting ({invalid.OptionsType.Name}): {failure}"));
}
