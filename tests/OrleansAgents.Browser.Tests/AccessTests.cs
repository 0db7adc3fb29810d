using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace OrleansAgents.Browser.Tests;

/// <summary>Keys, owners and the operator dashboard as the page meets them; the page's own routes over HTTP.</summary>
public sealed class AccessTests(BrowserFixture fixture) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await fixture.CloseContextsAsync();

    [Fact]
    public async Task ASecondOwnersKey_CannotOpenTheFirstOwnersRun_AndThePageSaysWhy()
    {
        var runId = await fixture.StartRunAsync("dev-user-1", "bench", """{"steps":2}""");
        var page = await fixture.NewPageAsync();
        await page.SignInAsync("dev-user-2");

        await page.OpenRunAsync(runId);
        var error = page.ByTestId("error");
        await error.WaitForAsync();

        var text = await error.TextContentAsync();
        Assert.Contains("Not found (404)", text, StringComparison.Ordinal);
        Assert.Contains("another owner", text, StringComparison.Ordinal);
        Assert.Equal("404", await page.ByTestId("run-view").GetAttributeAsync("data-error"));
        Assert.Equal(0, await page.Locator("[data-testid=timeline] [data-seq]").CountAsync());
        await page.WaitForConnectionAsync("error");
    }

    [Fact]
    public async Task AnUnknownKey_IsRefusedAtSignIn_WithTheProblemDetails()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/");
        await page.ByTestId("api-key").FillAsync("not-a-key");
        await page.ByTestId("sign-in").ClickAsync();

        var error = page.ByTestId("error");
        await error.WaitForAsync();
        Assert.Contains("not accepted (401", await error.TextContentAsync(), StringComparison.Ordinal);
        Assert.True(await page.ByTestId("signin-view").IsVisibleAsync());
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('orleansAgents.apiKey')"));
    }

    [Fact]
    public async Task ARateLimitedStart_ShowsTheProblemDetail_AndStaysOnTheForm()
    {
        var page = await fixture.NewPageAsync();
        await page.SignInAsync("dev-user-1");
        // The real limit is per owner per minute; answer this one start as the front end does when it is reached.
        await page.RouteAsync("**/api/runs", route => route.Request.Method == "POST"
            ? route.FulfillAsync(new()
            {
                Status = 429,
                ContentType = "application/problem+json",
                Body = """{"type":"https://tools.ietf.org/html/rfc6585#section-4","title":"Too many runs","status":429,"detail":"This owner started too many runs in the last minute; try again shortly."}""",
            })
            : route.ContinueAsync());

        await page.ByTestId("agent").FillAsync("bench");
        await page.ByTestId("start-run").ClickAsync();
        var error = page.ByTestId("error");
        await error.WaitForAsync();

        Assert.Equal("Rate limited (429): Too many runs. This owner started too many runs in the last minute; try again shortly.", await error.TextContentAsync());
        Assert.True(await page.ByTestId("runs-view").IsVisibleAsync());
    }

    [Fact]
    public async Task AKeyThatStopsWorking_SendsThePersonBackToSignIn_WithAMessage()
    {
        var page = await fixture.NewPageAsync();
        await page.SignInAsync("dev-user-1");
        // As when the key is revoked: the next poll of the list is refused.
        await page.RouteAsync("**/api/runs?*", route => route.FulfillAsync(new()
        {
            Status = 401,
            ContentType = "application/problem+json",
            Body = """{"title":"Unauthorized","status":401,"detail":"Send a valid API key."}""",
        }));

        await page.ByTestId("signin-view").WaitForAsync(new() { Timeout = 30_000 });
        Assert.Contains("not accepted (401", await page.ByTestId("error").TextContentAsync(), StringComparison.Ordinal);
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('orleansAgents.apiKey')"));
    }

    [Fact]
    public async Task SigningOut_ForgetsTheKey_AndADeepLinkAsksForItAgain()
    {
        var runId = await fixture.StartRunAsync("dev-user-1", "bench", """{"steps":1}""");
        var page = await fixture.NewPageAsync();
        await page.SignInAsync("dev-user-1");
        await page.ByTestId("sign-out").ClickAsync();
        await page.ByTestId("signin-view").WaitForAsync();

        await page.GotoAsync($"/runs/{runId}");
        await page.ByTestId("signin-view").WaitForAsync();
        await page.ByTestId("api-key").FillAsync("dev-user-1");
        await page.ByTestId("sign-in").ClickAsync();

        await page.ByTestId("final-result").WaitForAsync();
        Assert.Equal(runId, await page.ByTestId("run-id").TextContentAsync());
    }

    [Fact]
    public async Task No_URL_the_page_requests_holds_the_API_key_while_it_follows_a_run_live_and_opens_the_dashboard()
    {
        var page = await fixture.NewPageAsync();
        var urls = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Context.Request += (_, request) => urls.Enqueue(request.Url);
        // Long enough that the page is still following it live on a loaded machine (a run that ended before the page
        // caught up is read from the record and opens no stream); cancelled once the stream is seen connected.
        var runId = await fixture.StartRunAsync("dev-operator", "bench", """{"steps":100,"stepMs":500}""");

        await page.SignInAsync("dev-operator");
        await page.OpenRunAsync(runId);
        await page.WaitForConnectionAsync("connected");
        using (var cancel = await fixture.Client("dev-operator").PostAsync($"/api/runs/{runId}/cancel", null))
        {
            cancel.EnsureSuccessStatusCode();
        }

        await page.WaitForConnectionAsync("ended");
        var dashboard = await page.RunAndWaitForPopupAsync(() => page.ByTestId("dashboard-link").ClickAsync());
        await dashboard.WaitForLoadStateAsync(LoadState.NetworkIdle);

        Assert.Contains(urls, u => u.Contains("/events/stream?", StringComparison.Ordinal) && u.Contains("access_token=", StringComparison.Ordinal));
        Assert.Contains(urls, u => u.Contains("/dashboard/", StringComparison.Ordinal));
        Assert.DoesNotContain(urls, u => u.Contains("dev-operator", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheDashboard_IsLinkedAndLoadsForTheOperatorKey_AndIsHiddenAndRefusedForAUserKey()
    {
        var operatorPage = await fixture.NewPageAsync();
        await operatorPage.SignInAsync("dev-operator");
        var dashboard = await operatorPage.RunAndWaitForPopupAsync(() => operatorPage.ByTestId("dashboard-link").ClickAsync());
        await dashboard.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var userPage = await fixture.NewPageAsync();
        await userPage.SignInAsync("dev-user-1");
        var userSeesTheLink = await userPage.ByTestId("dashboard-link").IsVisibleAsync();
        var userIsNamed = await userPage.ByTestId("who").TextContentAsync();
        var refused = await userPage.GotoAsync("/dashboard/"); // the page set no dashboard cookie for a user key
        var keyInUrl = await userPage.GotoAsync("/dashboard/?access_token=dev-operator"); // nor does a key in a URL open it

        Assert.StartsWith(fixture.BaseAddress + "dashboard/", dashboard.Url, StringComparison.Ordinal);
        Assert.Contains("Orleans", await dashboard.ContentAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.True(await dashboard.Locator("body *").CountAsync() > 5, "the dashboard rendered");
        Assert.Equal((int)HttpStatusCode.Unauthorized, refused!.Status);
        Assert.Equal((int)HttpStatusCode.Unauthorized, keyInUrl!.Status);
        Assert.False(userSeesTheLink, "a user key is offered no dashboard link");
        Assert.Equal("user-1", userIsNamed);
    }

    [Fact]
    public async Task TheAgentList_NamesTheRegisteredAgents_AndNeedsAKey()
    {
        using var user = fixture.Client("dev-user-1");
        using var anonymous = fixture.Client(null);

        var agents = await user.GetFromJsonAsync<JsonElement>(new Uri("/api/agents", UriKind.Relative));
        using var refused = await anonymous.GetAsync(new Uri("/api/agents", UriKind.Relative));

        var bench = agents.GetProperty("items").EnumerateArray().Single(a => a.GetProperty("name").GetString() == "bench");
        var builder = agents.GetProperty("items").EnumerateArray().Single(a => a.GetProperty("name").GetString() == "voice-agent-builder");
        Assert.Equal(0, bench.GetProperty("sampleDocuments").GetArrayLength());
        Assert.Equal(
            new[] { "clinic-faq.md", "booking-policy.md", "escalation-contacts.md" },
            builder.GetProperty("sampleDocuments").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task The_pages_modules_are_served_as_JavaScript_and_revalidated_on_every_load()
    {
        using var http = fixture.Client(null);
        var page = await http.GetStringAsync(new Uri("/", UriKind.Relative));
        var app = await http.GetStringAsync(new Uri("/app.js", UriKind.Relative));
        // What app.js imports, and the modules those import in turn.
        var modules = System.Text.RegularExpressions.Regex.Matches(app, "from '\\./(js/[a-z-]+\\.js)'").Select(m => m.Groups[1].Value)
            .Concat(["js/follower.js", "js/timeline.js", "js/step-cards.js", "js/timeline-svg.js", "js/dom.js", "js/format.js"])
            .Distinct().ToArray();

        Assert.Contains("<script type=\"module\" src=\"/app.js\"></script>", page, StringComparison.Ordinal);
        Assert.Equal(13, modules.Length);
        foreach (var module in modules)
        {
            using var response = await http.GetAsync(new Uri("/" + module, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        }
    }

    [Fact]
    public async Task DeepLinksServeThePage_WhileUnknownApiPathsKeepTheirProblemDetails()
    {
        using var http = fixture.Client(null);

        using var root = await http.GetAsync(new Uri("/", UriKind.Relative));
        using var deepLink = await http.GetAsync(new Uri("/runs/run-123", UriKind.Relative));
        using var script = await http.GetAsync(new Uri("/app.js", UriKind.Relative));
        using var unknownApi = await http.GetAsync(new Uri("/api/nothing-here", UriKind.Relative));
        using var unknownPath = await http.GetAsync(new Uri("/nothing-here", UriKind.Relative));
        using var runsApi = await http.GetAsync(new Uri("/api/runs", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        Assert.Equal("text/html", root.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await root.Content.ReadAsStringAsync(), await deepLink.Content.ReadAsStringAsync());
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, unknownApi.StatusCode);
        Assert.Equal("application/problem+json", unknownApi.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, unknownPath.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, runsApi.StatusCode);
    }
}
