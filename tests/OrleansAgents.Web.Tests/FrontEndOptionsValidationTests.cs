using Microsoft.Extensions.Options;

namespace OrleansAgents.Web.Tests;

/// <summary>The front end's settings are validated at start by a generated validator whose errors name the setting.</summary>
public sealed class FrontEndOptionsValidationTests
{
    [Fact]
    public void The_default_settings_are_valid() =>
        Assert.True(new FrontEndOptionsValidator().Validate(Options.DefaultName, new FrontEndOptions()).Succeeded);

    [Fact]
    public void A_setting_out_of_its_range_fails_with_a_message_naming_it()
    {
        var result = new FrontEndOptionsValidator().Validate(Options.DefaultName, new FrontEndOptions { MaxInputBytes = 1, StreamTokenLifetime = TimeSpan.FromHours(2), SseKeepAlive = TimeSpan.Zero });

        Assert.True(result.Failed);
        Assert.Contains("FrontEnd:MaxInputBytes must be from 2 to 16777216.", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("FrontEnd:StreamTokenLifetime must be from 00:00:01 to 01:00:00.", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("FrontEnd:SseKeepAlive must be from 00:00:00.100 to 00:10:00.", result.FailureMessage, StringComparison.Ordinal);
    }
}
