using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using OrleansAgents.Testing;

[assembly: AssemblyFixture(typeof(OrleansAgents.Browser.Tests.BrowserFixture))]

namespace OrleansAgents.Browser.Tests;

/// <summary>
/// PostgreSQL, two worker silos and a front-end silo as real processes, and one headless Debian Chromium
/// driven by Playwright, shared by the assembly. Chromium writes only into a scratch folder that is
/// deleted with the fixture; the browser and the Playwright driver are closed on dispose.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Debian's Chromium binary (not the /usr/bin/chromium wrapper); Playwright never downloads one.</summary>
    public const string ChromiumPath = "/usr/lib/chromium/chromium";

    public static readonly ViewportSize Desktop = new() { Width = 1280, Height = 800 };
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    private AgentsCluster? _cluster;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string? _scratch;
    private readonly List<IBrowserContext> _contexts = [];

    public AgentsCluster Cluster => _cluster ?? throw new InvalidOperationException("Not started.");

    public Uri BaseAddress => Cluster.FrontEndAddress!;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Not started.");

    /// <summary>Where the tests save screenshots: artifacts/screenshots under the repository (git-ignored).</summary>
    public static string ScreenshotDirectory => Path.Combine(SiloProcess.RepositoryRoot(), "artifacts", "screenshots");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium package (apt-get install chromium).");
        }

        _scratch = Directory.CreateTempSubdirectory("oa-browser-").FullName;
        var config = Directory.CreateDirectory(Path.Combine(_scratch, "config")).FullName;
        var cache = Directory.CreateDirectory(Path.Combine(_scratch, "cache")).FullName;

        _cluster = await AgentsCluster.StartOnOwnServerAsync(workers: 2, frontEnd: true, settings: new Dictionary<string, string>
        {
            ["FrontEnd__MaxStreamsPerOwner"] = "1000",
            // Each request's start and end in the front end's log (artifacts/test-logs): when a page's request stalls,
            // this says whether it reached the front end late or waited inside it (see PageSteps.StartFromTheFormAsync).
            ["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
        });

        Assertions.SetDefaultExpectTimeout(30_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                // Keep every lookup on loopback: Chromium otherwise resolves update and account hosts at start.
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
            ],
            Env = new Dictionary<string, string>
            {
                ["XDG_CONFIG_HOME"] = config,
                ["XDG_CACHE_HOME"] = cache,
                ["HOME"] = _scratch,
            },
        });
    }

    /// <summary>A fresh browser context (its own session storage) and page at the given viewport.</summary>
    public async Task<IPage> NewPageAsync(ViewportSize? viewport = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = viewport ?? Desktop,
        });
        // Generous: CI runs the other test projects on the same two cores at the same time.
        context.SetDefaultTimeout(60_000);
        lock (_contexts)
        {
            _contexts.Add(context);
        }

        return await context.NewPageAsync();
    }

    /// <summary>Closes every page opened so far, so no test's streams or polling outlive it.</summary>
    public async Task CloseContextsAsync()
    {
        IBrowserContext[] contexts;
        lock (_contexts)
        {
            contexts = [.. _contexts];
            _contexts.Clear();
        }

        foreach (var context in contexts)
        {
            await context.CloseAsync();
        }
    }

    public HttpClient Client(string? key)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }

        return http;
    }

    /// <summary>Starts a run through the API (not the page) and returns its ID.</summary>
    public async Task<string> StartRunAsync(string key, string agent, string inputJson)
    {
        using var http = Client(key);
        var id = $"web-{Guid.NewGuid():N}";
        using var body = new StringContent($$"""{"agent":"{{agent}}","runId":"{{id}}","input":{{inputJson}}}""", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("/api/runs", UriKind.Relative), body);
        response.EnsureSuccessStatusCode();
        return id;
    }

    /// <summary>Cancels a run through the API (not the page).</summary>
    public async Task CancelRunAsync(string key, string runId)
    {
        using var http = Client(key);
        using var response = await http.PostAsync(new Uri($"/api/runs/{runId}/cancel", UriKind.Relative), content: null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Every committed event of a run, from the API.</summary>
    public async Task<List<JsonElement>> EventsAsync(string key, string runId)
    {
        using var http = Client(key);
        return await http.GetFromJsonAsync<List<JsonElement>>(new Uri($"/api/runs/{runId}/events?limit=1000", UriKind.Relative)) ?? [];
    }

    public async Task<JsonElement> RunAsync(string key, string runId)
    {
        using var http = Client(key);
        return await http.GetFromJsonAsync<JsonElement>(new Uri($"/api/runs/{runId}", UriKind.Relative));
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (_scratch is not null)
        {
            try
            {
                Directory.Delete(_scratch, recursive: true);
            }
            catch (IOException)
            {
                // A Chromium helper still closing; the folder is under /tmp.
            }
        }
    }
}
