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
    /// Metrics (OrleansAgents, Orleans, Npgsql, .NET runtime), and when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set,
    /// their OTLP export, traces (runs and steps, Orleans, Npgsql, and what <paramref name="tracing"/> adds) and
    /// logs. Hosts add their own metric exporters (Prometheus) through <paramref name="metrics"/>.
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

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName))
            .WithMetrics(m =>
            {
                m.AddMeter(AgentsTelemetry.Name, "Microsoft.Orleans", "Npgsql").AddRuntimeInstrumentation();
                metrics?.Invoke(m);
                if (otlp)
                {
                    m.AddOtlpExporter();
                }
            });

        // Spans are recorded only when they are exported: with no exporter, a tracer provider would still build a
        // span, with its tags, for every database command, HTTP request and step, and nobody would read them.
        if (otlp)
        {
            telemetry.WithTracing(t =>
            {
                t.AddSource(AgentsTelemetry.Name, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application").AddNpgsql();
                tracing?.Invoke(t);
                t.AddOtlpExporter();
            });
        }

        return builder;
    }
}
