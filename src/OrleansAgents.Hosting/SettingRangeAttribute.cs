using System.ComponentModel.DataAnnotations;

namespace OrleansAgents.Hosting;

/// <summary>
/// <see cref="RangeAttribute"/> for options validated by the <c>[OptionsValidator]</c> source generator, whose own copy
/// of <c>[Range]</c> drops <see cref="ValidationAttribute.ErrorMessage"/> (dotnet/runtime#123137): this one keeps it, so
/// every error names its setting (<c>OrleansAgents:Runs:MaxAttempts must be from 1 to 100.</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, AllowMultiple = false)]
public sealed class SettingRangeAttribute : RangeAttribute
{
    public SettingRangeAttribute(int minimum, int maximum) : base(minimum, maximum) { }

    public SettingRangeAttribute(double minimum, double maximum) : base(minimum, maximum) { }

    /// <summary>Limits of another type (<see cref="TimeSpan"/>, <see cref="long"/>) as invariant-culture text.</summary>
    public SettingRangeAttribute(Type type, string minimum, string maximum) : base(type, minimum, maximum) => ParseLimitsInInvariantCulture = true;
}
