using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;
using OrleansAgents.Hosting;
using OrleansAgents.Telemetry;

namespace OrleansAgents.Runs.Tests;

public sealed class TelemetryHostingTests
{
    [Fact]
    public void A_host_records_spans_only_when_it_exports_them_by_OTLP()
    {
        // ActivitySource listeners are process-wide: both halves in one test, one after the other.
        using (var quiet = Build(otlpEndpoint: null))
        {
            Assert.Null(quiet.Services.GetService<TracerProvider>());
            Assert.False(AgentsTelemetry.Source.HasListeners());
            using var none = AgentsTelemetry.Source.StartActivity("step");
            Assert.Null(none);
        }

        using var exporting = Build(otlpEndpoint: "http://127.0.0.1:9"); // nothing listens; nothing is flushed
        Assert.NotNull(exporting.Services.GetService<TracerProvider>());
        using var span = AgentsTelemetry.Source.StartActivity("step");
        Assert.NotNull(span);
        Assert.True(span.IsAllDataRequested);
    }

    private static IHost Build(string? otlpEndpoint)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        if (otlpEndpoint is not null)
        {
            builder.Configuration.AddInMemoryCollection([new KeyValuePair<string, string?>("OTEL_EXPORTER_OTLP_ENDPOINT", otlpEndpoint)]);
        }

        builder.AddOrleansAgentsTelemetry();
        return builder.Build();
    }
}
