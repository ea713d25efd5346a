using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using GrpcWorkflows.Orchestrator.Security;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Orchestrator.Tests.Security;
using GrpcWorkflows.Testing;

namespace GrpcWorkflows.Orchestrator.Tests.Http;

/// <summary>
/// The HTTP/JSON API of docs/http-api.md, request for request (HttpClient instead of curl) against a real
/// orchestrator with <c>Orchestrator:HttpAddress</c> and a real executor.
/// </summary>
public sealed class HttpApiTests
{
    private const string TwoSteps = """
        {"definition": {"id": "hello-http", "steps": {
          "greet": {"type": "echo", "input": {"greeting": "hello"}},
          "wait": {"type": "sleep", "input": {"ms": 60000}, "depends_on": ["greet"]}}},
         "labels": {"team": "docs"}}
        """;

    [Fact]
    public async Task DocumentedRequests_SubmitGetListWatchCancelRetryValidateAndExecutors_AnswerJson()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync(new Dictionary<string, string> { ["Orchestrator:HttpAddress"] = "http://127.0.0.1:0" });
        await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
        await orchestrator.WaitForExecutorsAsync("sleep");
        using var http = new HttpClient { BaseAddress = orchestrator.HttpAddress, Timeout = AsyncTestHelpers.DefaultTimeoutSpan };

        // Health: live and ready.
        Assert.Equal("Healthy", await http.GetStringAsync("/healthz"));
        Assert.Equal("Healthy", await http.GetStringAsync("/readyz"));

        // validate: the plan of a valid definition, every problem of a bad one.
        var plan = await PostAsync(http, "/v1/workflows:validate", """{"definition": {"id": "v", "steps": {"a": {"type": "echo"}, "b": {"type": "echo", "depends_on": ["a"]}}}}""");
        Assert.True(plan["valid"]!.GetValue<bool>());
        Assert.Equal(2, plan["plan"]!["levels"]!.AsArray().Count);
        var problems = await PostAsync(http, "/v1/workflows:validate", """{"definition": {"id": "v", "steps": {"a": {"type": "echo", "depends_on": ["zzz"]}}}}""");
        Assert.Contains(problems["problems"]!.AsArray(), p => p!["field"]!.GetValue<string>() == "steps.a.depends_on[0]");

        // submit, then get and list.
        var submitted = await PostAsync(http, "/v1/executions", TwoSteps);
        var id = submitted["executionId"]!.GetValue<string>();
        var execution = await GetAsync(http, $"/v1/executions/{id}");
        Assert.Equal(id, execution["execution"]!["executionId"]!.GetValue<string>());
        var list = await GetAsync(http, "/v1/executions?pageSize=10&states=EXECUTION_STATE_RUNNING&states=EXECUTION_STATE_PENDING");
        Assert.Contains(list["executions"]!.AsArray(), e => e!["executionId"]!.GetValue<string>() == id);

        // watch: a server stream of JSON messages, read while the execution runs; cancel ends it.
        using var watch = await http.GetAsync($"/v1/executions/{id}/events", HttpCompletionOption.ResponseHeadersRead);
        watch.EnsureSuccessStatusCode();
        var events = new List<JsonNode>();
        var reading = ReadEventsAsync(await watch.Content.ReadAsStreamAsync(), events);
        await AsyncTestHelpers.WaitUntilAsync(() => events.Any(e => e["event"]?["attemptStarted"]?["stepId"]?.GetValue<string>() == "wait"), "the watch stream shows step 'wait' started");
        var cancelled = await PostAsync(http, $"/v1/executions/{id}:cancel", """{"reason": "from curl"}""");
        Assert.Equal("EXECUTION_STATE_CANCELLED", cancelled["state"]!.GetValue<string>());
        await reading.DefaultTimeout();
        Assert.Equal("EXECUTION_STATE_CANCELLED", events.Last()["event"]!["finished"]!["state"]!.GetValue<string>());

        // retry the cancelled step.
        var retried = await PostAsync(http, $"/v1/executions/{id}:retry", "{}");
        Assert.Equal(["wait"], retried["stepIds"]!.AsArray().Select(s => s!.GetValue<string>()));

        // stored workflows: register, run by reference, get a version, list, delete.
        var stored = await PostAsync(http, "/v1/workflows", """{"definition": {"id": "stored-http", "steps": {"a": {"type": "echo", "input": {"v": 1}}}}}""");
        Assert.Equal((1, false), (stored["workflow"]!["version"]!.GetValue<int>(), stored["existing"]!.GetValue<bool>()));
        var byReference = await PostAsync(http, "/v1/executions", """{"workflowRef": {"id": "stored-http"}}""");
        Assert.False(string.IsNullOrEmpty(byReference["executionId"]!.GetValue<string>()));
        var version = await GetAsync(http, "/v1/workflows/stored-http?version=1");
        Assert.Equal("echo", version["workflow"]!["definition"]!["steps"]!["a"]!["type"]!.GetValue<string>());
        var storedList = await GetAsync(http, "/v1/workflows");
        Assert.Contains(storedList["workflows"]!.AsArray(), w => w!["workflowId"]!.GetValue<string>() == "stored-http");
        // schedules: create (paused), get, list, backfill one time, pause with a note, delete.
        var schedule = await PostAsync(http, "/v1/schedules", """{"schedule": {"scheduleId": "http-daily", "workflowRef": {"id": "stored-http"}, "cron": "0 6 * * *", "timeZone": "Europe/Paris", "overlapPolicy": "SCHEDULE_OVERLAP_POLICY_BUFFER_ONE", "paused": true}}""");
        Assert.Equal("SCHEDULE_OVERLAP_POLICY_BUFFER_ONE", schedule["schedule"]!["overlapPolicy"]!.GetValue<string>());
        var backfilled = await PostAsync(http, "/v1/schedules/http-daily:backfill", """{"startTime": "2026-11-30T00:00:00Z", "endTime": "2026-11-30T23:00:00Z"}""");
        Assert.Equal("2026-11-30T05:00:00Z", backfilled["runs"]!.AsArray().Single()!["scheduleTime"]!.GetValue<string>());
        var pausedSchedule = await PostAsync(http, "/v1/schedules/http-daily:pause", """{"note": "from curl"}""");
        Assert.Equal("from curl", pausedSchedule["schedule"]!["pauseNote"]!.GetValue<string>());
        Assert.Equal("1", (await GetAsync(http, "/v1/schedules/http-daily"))["schedule"]!["state"]!["firedCount"]!.ToString());
        Assert.Contains((await GetAsync(http, "/v1/schedules"))["schedules"]!.AsArray(), s => s!["scheduleId"]!.GetValue<string>() == "http-daily");
        using (var scheduleDeleted = await http.DeleteAsync("/v1/schedules/http-daily"))
        {
            scheduleDeleted.EnsureSuccessStatusCode();
        }

        using var deleted = await http.DeleteAsync("/v1/workflows/stored-http");
        deleted.EnsureSuccessStatusCode();
        Assert.Equal(1, JsonNode.Parse(await deleted.Content.ReadAsStringAsync())!["versions"]!.GetValue<int>());

        // executors, and an unknown execution as a JSON error with the gRPC code.
        var executors = await GetAsync(http, "/v1/executors");
        Assert.Contains(executors["executors"]!.AsArray(), e => e!["stepTypes"]!.AsArray().Any(t => t!.GetValue<string>() == "sleep"));
        using var missing = await http.GetAsync("/v1/executions/01NOPE");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(5, JsonNode.Parse(await missing.Content.ReadAsStringAsync())!["code"]!.GetValue<int>());
        await http.PostAsync($"/v1/executions/{id}:cancel", JsonBody("{}"));
    }

    [Fact]
    public async Task JsonApi_WithAuthentication_AppliesTheRolesOfTheGrpcApi()
    {
        using var credentials = new TestCredentials();
        var settings = credentials.Settings();
        settings["Orchestrator:HttpAddress"] = "http://127.0.0.1:0";
        await using var orchestrator = await TestOrchestrator.StartAsync(settings);
        using var http = new HttpClient { BaseAddress = orchestrator.HttpAddress, Timeout = AsyncTestHelpers.DefaultTimeoutSpan };
        const string Validate = """{"definition": {"id": "v", "steps": {"a": {"type": "echo"}}}}""";

        using var anonymous = await http.GetAsync("/v1/executions");
        using var anonymousExecutors = await http.GetAsync("/v1/executors");
        using var viewerList = await SendAsync(http, HttpMethod.Get, "/v1/executions", credentials.ApiKeys[Roles.Viewer]);
        using var viewerExecutors = await SendAsync(http, HttpMethod.Get, "/v1/executors", credentials.ApiKeys[Roles.Viewer]);
        using var viewerSubmit = await SendAsync(http, HttpMethod.Post, "/v1/executions", credentials.ApiKeys[Roles.Viewer], Validate);
        using var executorList = await SendAsync(http, HttpMethod.Get, "/v1/executors", credentials.ApiKeys[Roles.Executor]);
        using var bearer = new HttpRequestMessage(HttpMethod.Post, "/v1/workflows:validate") { Content = JsonBody(Validate) };
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credentials.Token(Roles.Operator));
        using var operatorByToken = await http.SendAsync(bearer);
        var session = JsonNode.Parse(await (await SendAsync(http, HttpMethod.Get, "/ui/api/session", credentials.ApiKeys[Roles.Viewer])).Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousExecutors.StatusCode);
        Assert.Equal(HttpStatusCode.OK, viewerList.StatusCode);
        Assert.Equal(HttpStatusCode.OK, viewerExecutors.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, viewerSubmit.StatusCode);
        Assert.Contains("needs the role 'operator'", await viewerSubmit.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, executorList.StatusCode);
        Assert.Equal(HttpStatusCode.OK, operatorByToken.StatusCode);
        Assert.Equal(["viewer"], session["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        // Health and the dashboard's files need no credential (the page asks for one).
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
        Assert.Contains("app.js", await http.GetStringAsync("/ui/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GrpcAddress_StillServesGrpc_AndTheHttpAddressIsSecond()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync(new Dictionary<string, string> { ["Orchestrator:HttpAddress"] = "http://127.0.0.1:0" });

        var listed = await orchestrator.Workflows.ListExecutionsAsync(new V1.ListExecutionsRequest()).ResponseAsync.DefaultTimeout();
        using var http = new HttpClient { BaseAddress = orchestrator.HttpAddress };
        using var page = await http.GetAsync("/ui");

        Assert.Empty(listed.Executions);
        Assert.NotEqual(orchestrator.Address, orchestrator.HttpAddress);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task ListingByLabelsAndIdPrefix_FiltersOnTheServer()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync(new Dictionary<string, string> { ["Orchestrator:HttpAddress"] = "http://127.0.0.1:0" });
        using var http = new HttpClient { BaseAddress = orchestrator.HttpAddress, Timeout = AsyncTestHelpers.DefaultTimeoutSpan };
        var ids = new Dictionary<string, string>();
        foreach (var team in new[] { "data", "web", "data" })
        {
            var submitted = await PostAsync(http, "/v1/executions", """{"definition": {"id": "l", "steps": {"w": {"sleep": {"duration": "600s"}}}}, "labels": {"team": "TEAM"}}""".Replace("TEAM", team, StringComparison.Ordinal));
            ids[submitted["executionId"]!.GetValue<string>()] = team;
        }

        var data = await PostAsync(http, "/v1/executions:search", """{"labels": {"team": "data"}, "pageSize": 10}""");
        var one = ids.Keys.First(id => ids[id] == "web");
        var byPrefix = await GetAsync(http, $"/v1/executions?executionIdPrefix={one[..^1]}");
        using var badPrefix = await http.GetAsync("/v1/executions?executionIdPrefix=01%25");

        Assert.Equal(ids.Where(p => p.Value == "data").Select(p => p.Key).Order(), data["executions"]!.AsArray().Select(e => e!["executionId"]!.GetValue<string>()).Order());
        Assert.Contains(byPrefix["executions"]!.AsArray(), e => e!["executionId"]!.GetValue<string>() == one);
        Assert.All(byPrefix["executions"]!.AsArray(), e => Assert.StartsWith(one[..^1], e!["executionId"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, badPrefix.StatusCode);
    }

    [Fact]
    public async Task RefusedSubmissions_AnswerJsonErrorsWithTheirDetails()
    {
        await using var orchestrator = await TestOrchestrator.StartAsync(new Dictionary<string, string> { ["Orchestrator:HttpAddress"] = "http://127.0.0.1:0" });
        using var http = new HttpClient { BaseAddress = orchestrator.HttpAddress, Timeout = AsyncTestHelpers.DefaultTimeoutSpan };

        // No executor serves the type: FAILED_PRECONDITION with a google.rpc.PreconditionFailure detail.
        using var unserved = await http.PostAsync("/v1/executions", JsonBody("""{"definition": {"id": "u", "steps": {"a": {"type": "nobody_serves_this"}}}}"""));
        var unservedBody = JsonNode.Parse(await unserved.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.BadRequest, unserved.StatusCode);
        Assert.Equal(9, unservedBody["code"]!.GetValue<int>());
        Assert.Contains(unservedBody["details"]!.AsArray(), d => d!["@type"]!.GetValue<string>().EndsWith("google.rpc.PreconditionFailure", StringComparison.Ordinal)
            && d["violations"]![0]!["subject"]!.GetValue<string>() == "steps.a.type");

        // An invalid definition: INVALID_ARGUMENT with every problem as a google.rpc.BadRequest field violation.
        using var invalid = await http.PostAsync("/v1/executions", JsonBody("""{"definition": {"id": "v", "steps": {"a": {"type": "echo", "depends_on": ["zzz"]}}}}"""));
        var invalidBody = JsonNode.Parse(await invalid.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(3, invalidBody["code"]!.GetValue<int>());
        Assert.Contains(invalidBody["details"]!.AsArray(), d => d!["@type"]!.GetValue<string>().EndsWith("google.rpc.BadRequest", StringComparison.Ordinal)
            && d["fieldViolations"]!.AsArray().Any(v => v!["field"]!.GetValue<string>() == "steps.a.depends_on[0]"));
    }

    private static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonNode> PostAsync(HttpClient http, string path, string json)
    {
        using var response = await http.PostAsync(path, JsonBody(json));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    private static async Task<JsonNode> GetAsync(HttpClient http, string path)
        => (await http.GetFromJsonAsync<JsonNode>(path))!;

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string apiKey, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add(AuthOptions.ApiKeyHeader, apiKey);
        if (json is not null)
        {
            request.Content = JsonBody(json);
        }

        return http.SendAsync(request);
    }

    /// <summary>Reads the transcoded stream: JSON messages one after another, until the server ends it.</summary>
    private static async Task ReadEventsAsync(Stream stream, List<JsonNode> events)
    {
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length > 0)
            {
                lock (events)
                {
                    events.Add(JsonNode.Parse(line)!);
                }
            }
        }
    }
}
