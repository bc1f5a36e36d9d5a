package dev.llmchat.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class OperationsTest {
    @TempDir
    static Path dir;
    static TestServer s;

    @BeforeAll
    static void start() {
        s = new TestServer(dir, Map.of("MAX_BODY_BYTES", "4096"));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void health_reports_ok_with_the_version() {
        TestServer.Response r = s.get("/api/health", null);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("status").asText()).isEqualTo("ok");
        assertThat(r.json().path("version").asText()).isNotBlank();
    }

    @Test
    void docs_serve_swagger_ui_from_the_classpath() {
        TestServer.Response page = s.get("/docs", null);
        String bundle = page.text().replaceAll("(?s).*<script src=\"([^\"]+)\".*", "$1");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.text()).contains("/openapi.json");
        assertThat(bundle).startsWith("/webjars/swagger-ui/").endsWith("swagger-ui-bundle.js");
        assertThat(s.get(bundle, null).status()).isEqualTo(200);
    }

    @Test
    void the_openapi_document_lists_exactly_the_running_routes() {
        JsonNode doc = s.get("/openapi.json", null).json();
        Set<String> documented = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> p = paths.next();
            p.getValue().fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey()));
        }
        Set<String> routed = s.server.routes().stream().map(r -> r.method().name() + " " + r.path()).collect(Collectors.toCollection(TreeSet::new));

        assertThat(doc.path("openapi").asText()).startsWith("3.1");
        assertThat(documented).isEqualTo(routed);

        String token = s.register("ops_walker");
        for (String op : documented) {
            String method = op.substring(0, op.indexOf(' '));
            String path = op.substring(op.indexOf(' ') + 1).replace("{session_id}", "no-such-conversation").replace("{user_id}", "999999");
            TestServer.Response r = s.send(method, path, token, method.equals("GET") || method.equals("DELETE") ? null : "{}");
            assertThat(r.status()).as(op).isNotIn(405, 500);
            if (r.status() == 404) assertThat(r.json().path("code").asText()).as(op).isIn("conversation_not_found", "user_not_found");
        }
    }

    @Test
    void unknown_routes_and_methods_answer_json() {
        TestServer.Response missing = s.get("/nope", null);
        TestServer.Response wrongMethod = s.send("PATCH", "/chat", null, "{}");

        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.header("Content-Type")).matches("application/json; ?charset=utf-8");
        assertThat(missing.json().path("code").asText()).isEqualTo("not_found");
        assertThat(wrongMethod.status()).isIn(404, 405);
        assertThat(wrongMethod.json().has("detail")).isTrue();
    }

    @Test
    void cors_preflights_are_answered_and_every_response_allows_any_origin_without_credentials() {
        TestServer.Response preflight = s.send(HttpRequest.newBuilder(URI.create(s.url("/chat")))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://app.example.com")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type").build());
        TestServer.Response error = s.get("/conversations", null);

        assertThat(preflight.status()).isIn(200, 204);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(preflight.header("Access-Control-Allow-Methods")).contains("POST", "DELETE", "PATCH", "GET");
        assertThat(preflight.header("Access-Control-Allow-Headers")).contains("authorization", "content-type");
        assertThat(preflight.header("Access-Control-Allow-Credentials")).isNull();
        assertThat(error.status()).isEqualTo(401);
        assertThat(error.header("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(error.header("X-Content-Type-Options")).isEqualTo("nosniff");
    }

    @Test
    void a_configured_origin_list_is_honoured(@TempDir Path own) {
        try (TestServer strict = new TestServer(own, Map.of("CORS_ORIGINS", "https://good.example"))) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(strict.url("/api/health")));
            TestServer.Response good = strict.send(b.copy().header("Origin", "https://good.example").build());
            TestServer.Response evil = strict.send(b.copy().header("Origin", "https://evil.example").build());

            assertThat(good.header("Access-Control-Allow-Origin")).isEqualTo("https://good.example");
            assertThat(evil.header("Access-Control-Allow-Origin")).isNull();
            assertThat(good.header("Access-Control-Allow-Credentials")).isNull();
        }
    }

    @Test
    void a_body_over_the_limit_is_refused_with_413_json() {
        String token = s.register("ops_big");
        String id = s.newConversation(token);

        TestServer.Response r = s.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"" + "x".repeat(10_000) + "\"}");

        assertThat(r.status()).isEqualTo(413);
        assertThat(r.json().has("detail")).isTrue();
        assertThat(s.get("/conversations/" + id + "/history", token).json().path("messages")).isEmpty();
    }

    @Test
    void invalid_utf8_is_refused() {
        String token = s.register("ops_utf8");
        byte[] body = new byte[] {'{', '"', 'm', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};

        TestServer.Response r = s.send(HttpRequest.newBuilder(URI.create(s.url("/conversations")))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().path("code").asText()).isEqualTo("invalid_utf8");
    }
}
