using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OrleansAgents.Hosting;

namespace OrleansAgents.Runs.Tests;

/// <summary>
/// A worker with a bad setting does not start, and says which setting: the options of runs, retention and the journal
/// are validated at start (<c>ValidateOnStart</c>) by validators generated from their attributes.
/// </summary>
public sealed class RunOptionsValidationTests
{
    [Theory]
    [InlineData("OrleansAgents:Runs:DraftInterval", "00:00:00", "OrleansAgents:Runs:DraftInterval must be more than 0 and at most 10 seconds.")]
    [InlineData("OrleansAgents:Runs:DraftInterval", "00:00:11", "OrleansAgents:Runs:DraftInterval must be more than 0 and at most 10 seconds.")]
    [InlineData("OrleansAgents:Runs:ReminderPeriod", "00:00:04", "OrleansAgents:Runs:ReminderPeriod must be at least 5 seconds.")]
    [InlineData("OrleansAgents:Runs:MaxAttempts", "0", "OrleansAgents:Runs:MaxAttempts must be from 1 to 100.")]
    [InlineData("OrleansAgents:Runs:StepTimeout", "00:00:00", "OrleansAgents:Runs:StepTimeout must be positive.")]
    [InlineData("OrleansAgents:Runs:RecoveryRetryLimit", "-00:00:01", "OrleansAgents:Runs:RecoveryRetryLimit must be positive.")]
    [InlineData("OrleansAgents:Runs:SnapshotEveryBytes", "1023", "OrleansAgents:Runs:SnapshotEveryBytes must be at least 1024.")]
    [InlineData("OrleansAgents:Runs:Quotas:MaxSteps", "0", "OrleansAgents:Runs:Quotas:MaxSteps must be at least 1.")]
    [InlineData("OrleansAgents:Runs:Quotas:MaxJournalBytes", "1024", "OrleansAgents:Runs:Quotas:MaxJournalBytes must be at least MaxStepResultBytes.")]
    [InlineData("OrleansAgents:Runs:Quotas:MaxChildrenPerRun", "-1", "OrleansAgents:Runs:Quotas:MaxChildrenPerRun must be from 0 to 100000.")]
    [InlineData("OrleansAgents:Runs:Quotas:MaxRunDepth", "101", "OrleansAgents:Runs:Quotas:MaxRunDepth must be from 0 to 100.")]
    [InlineData("OrleansAgents:Runs:Quotas:MaxSleep", "00:00:00", "OrleansAgents:Runs:Quotas:MaxSleep must be positive.")]
    [InlineData("OrleansAgents:Retention:FinishedRuns", "00:00:00", "OrleansAgents:Retention:FinishedRuns must be positive (or unset to keep every run).")]
    [InlineData("OrleansAgents:Retention:BatchSize", "10001", "OrleansAgents:Retention:BatchSize must be from 1 to 10000.")]
    [InlineData("OrleansAgents:Journal:Writers", "0", "OrleansAgents:Journal:Writers must be from 1 to 64.")]
    public void A_bad_setting_fails_the_start_with_a_message_naming_it(string key, string value, string message)
    {
        var failure = Assert.Throws<OptionsValidationException>(() => ValidateAtStart(new() { [key] = value }));

        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_settings_start() => ValidateAtStart([]);

    [Fact]
    public void Several_bad_settings_are_all_named()
    {
        var failure = Assert.Throws<OptionsValidationException>(() => ValidateAtStart(new()
        {
            ["OrleansAgents:Runs:MaxAttempts"] = "101",
            ["OrleansAgents:Runs:Quotas:MaxUnfinishedRunsPerOwner"] = "0",
        }));

        Assert.Contains("OrleansAgents:Runs:MaxAttempts must be from 1 to 100.", failure.Message, StringComparison.Ordinal);
        Assert.Contains("OrleansAgents:Runs:Quotas:MaxUnfinishedRunsPerOwner must be at least 1.", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>What the host does before it starts anything: every options type registered with ValidateOnStart is validated.</summary>
    private static void ValidateAtStart(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddOrleans(silo => silo.AddOrleansAgentsRuns());
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
    }
}
