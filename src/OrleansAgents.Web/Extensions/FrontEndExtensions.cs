using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Orleans.Dashboard;
using Orleans.Runtime.MembershipService.SiloMetadata;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using OrleansAgents.Hosting;
using OrleansAgents.Web.Apis;
using OrleansAgents.Web.Auth;
using OrleansAgents.Web.Events;
using OrleansAgents.Web.Infrastructure;
using OrleansAgents.Web.Responses;

namespace OrleansAgents.Web.Extensions;

/// <summary>Wiring of the front-end silo.</summary>
public static class FrontEndExtensions
{
    /// <summary>A silo that joins the cluster but hosts no runs, plus the API's services.</summary>
    public static WebApplicationBuilder AddOrleansAgentsFrontEnd(this WebApplicationBuilder builder)
    {
        // A member of the cluster that hosts no runs: it has no run grain class to host them with.
        builder.UseOrleans(silo => silo.AddOrleansAgentsCluster(builder.Configuration).UseSiloMetadata([]));

        builder.AddOrleansAgentsTelemetry(
            metrics: m => m.AddAspNetCoreInstrumentation().AddPrometheusExporter(),
            tracing: t => t.AddAspNetCoreInstrumentation());

        var services = builder.Services;
        services.AddOptions<FrontEndOptions>().BindConfiguration(FrontEndOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FrontEndOptions>, FrontEndOptionsValidator>();
        services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.SectionName);
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o =>
            o.Limits.MaxRequestBodySize = builder.Configuration.GetValue<long?>($"{FrontEndOptions.SectionName}:MaxRequestBodyBytes") ?? 1024 * 1024);

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy("operator", p => p.RequireRole(ApiKeyAuthenticationHandler.OperatorRole));

        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);
        services.AddOpenApi();
        services.AddHealthChecks().AddCheck<ClusterReadyCheck>("cluster", tags: ["ready"]);
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(RunsApi.StartRunsRateLimit, context =>
            {
                var owner = context.User.Identity?.IsAuthenticated == true ? context.User.Owner() : "anonymous";
                var perMinute = builder.Configuration.GetValue<int?>($"{FrontEndOptions.SectionName}:RunsPerOwnerPerMinute") ?? 600;
                return RateLimitPartition.GetFixedWindowLimiter(owner, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = perMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
            o.OnRejected = async (context, cancellationToken) =>
            {
                if (OpenAIErrors.IsOpenAIPath(context.HttpContext))
                {
                    await OpenAIErrors.WriteAsync(context.HttpContext, 429, "This owner started too many runs in the last minute (OrleansAgents:FrontEnd:RunsPerOwnerPerMinute); try again shortly.");
                    return;
                }

                context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                await RunsApi.Problem(429, "Too many runs", "This owner started too many runs in the last minute; try again shortly.")
                    .ExecuteAsync(context.HttpContext);
            };
        });

        services.AddSingleton<RunEventHub>();
        services.AddHostedService(sp => sp.GetRequiredService<RunEventHub>());
        services.AddSingleton<RunEventFollower>();
        services.AddSingleton<RunQueries>();
        services.AddSingleton<ClusterCalls>();
        services.AddSingleton<StreamLimiter>();
        services.AddSingleton<ResponseStore>();
        services.AddSingleton<StreamTokens>();
        services.TryAddSingleton(TimeProvider.System);
        // The keys that sign stream tokens: in the cluster's PostgreSQL, shared by every front end, unless a directory is named.
        var protection = services.AddDataProtection().SetApplicationName("OrleansAgents");
        if (builder.Configuration[$"{FrontEndOptions.SectionName}:{nameof(FrontEndOptions.DataProtectionKeysPath)}"] is { Length: > 0 } keys)
        {
            protection.PersistKeysToFileSystem(new DirectoryInfo(keys));
        }
        else
        {
            services.AddSingleton<PostgresKeyRing>();
            services.AddOptions<KeyManagementOptions>()
                .Configure<PostgresKeyRing>((o, ring) => o.XmlRepository = ring);
        }

        services.AddHostedService<HousekeepingService>();
        return builder;
    }

    private static readonly StaticFileOptions PageFiles = new()
    {
        OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
    };

    public static WebApplication UseOrleansAgentsFrontEnd(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // The web page (wwwroot): public static files, served before authentication. Revalidated on every
        // load (ETag) so a new deployment's page is picked up at once.
        app.UseDefaultFiles();
        app.UseStaticFiles(PageFiles);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    public static WebApplication MapOrleansAgentsApi(this WebApplication app)
    {
        app.MapRunsApi();
        app.MapRunStreamsApi();
        app.MapAgentsApi();
        app.MapCallerApi();
        app.MapResponsesApi();
        app.MapOpenApi();
        app.MapPrometheusScrapingEndpoint(); // GET /metrics
        app.MapOrleansDashboard(routePrefix: "/dashboard").RequireAuthorization("operator");
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        // The page's deep links (/runs, /runs/{id}) load the page; everything else keeps its own 404. No
        // 'nonfile' constraint: child run IDs (parent::step.i) end in what looks like a file extension.
        app.MapFallbackToFile("/runs/{*path}", "index.html", PageFiles);
        return app;
    }
}
