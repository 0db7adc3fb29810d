using Microsoft.Extensions.Options;
using OrleansAgents.Agents.Bench;
using OrleansAgents.Agents.VoiceAgentBuilder;
using OrleansAgents.Models;

namespace OrleansAgents.Runtime.Tests;

/// <summary>The agents' settings are validated at start by generated validators whose errors name the setting; checked without a cluster.</summary>
public sealed class AgentOptionsValidationTests
{
    [Fact]
    public void A_model_endpoint_that_is_not_an_absolute_url_fails_naming_the_setting()
    {
        var result = new ModelOptionsValidator().Validate(Options.DefaultName, new ModelOptions { Endpoint = "api.openai.com/v1" });

        Assert.Contains("OrleansAgents:Model:Endpoint must be an absolute URL.", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void No_model_endpoint_is_the_offline_model_and_valid() =>
        Assert.True(new ModelOptionsValidator().Validate(Options.DefaultName, new ModelOptions()).Succeeded);

    [Fact]
    public void Voice_agent_builder_max_steps_out_of_range_fails_naming_the_setting()
    {
        var result = new VoiceAgentBuilderOptionsValidator().Validate(Options.DefaultName, new VoiceAgentBuilderOptions { MaxSteps = 1001 });

        Assert.Contains("OrleansAgents:Agents:VoiceAgentBuilder:MaxSteps must be from 1 to 1000.", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_blank_bench_version_fails_naming_the_setting()
    {
        var result = new BenchOptionsValidator().Validate(Options.DefaultName, new BenchOptions { Version = " " });

        Assert.Contains("OrleansAgents:Agents:Bench:Version must not be empty.", result.FailureMessage, StringComparison.Ordinal);
    }
}
