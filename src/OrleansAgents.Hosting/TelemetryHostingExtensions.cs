using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OrleansAgents.Telemetry;

namespace OrleansAgents.Hosting;

/// <summary>OpenTelemetry for every host: traces, metrics and logs, exported by OTLP when configured.</summary>
public static class TelemetryHostingExtensions
{
    /// <summary>
    /// Traces (runs and steps, Orleans, Npgsql), metrics (OrleansAgents, Orleans, Npgsql, .NET runtime) and
    /// logs. OTLP export is on when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; hosts add their own exporters
    /// (Prometheus) through the callbacks.
    /// </summary>
    public static IHostApplicationBuilder AddOrleansAgentsTelemetry(
        this IHostApplicationBuilder builder, Action<MeterProviderBuilder>? metrics = null, Action<TracerProviderBuilder>? tracing = null)
    {
        var otlp = !string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (otlp)
        {
            builder.Logging.AddOpenTelemetry(o =>
            {
                o.IncludeScopes = true;
                o.AddOtlpExporter();
            });
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName))
            .WithTracing(t =>
            {
                t.AddSource(AgentsTelemetry.Name, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application").AddNpgsql();
                tracing?.Invoke(t);
                if (otlp)
                {
                    t.AddOtlpExporter();
                }
            })
            .WithMetrics(m =>
            {
                m.AddMeter(AgentsTelemetry.Name, "Microsoft.Orleans", "Npgsql").AddRuntimeInstrumentation();
                metrics?.Invoke(m);
                if (otlp)
                {
                    m.AddOtlpExporter();
                }
            });
        return builder;
    }
}
