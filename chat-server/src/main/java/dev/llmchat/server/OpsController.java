package dev.llmchat.server;

import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Health, the OpenAPI document and its Swagger UI page. */
final class OpsController {
    static final String VERSION = version();
    private final BooleanSupplier databaseHealthy;
    private final PrometheusMeterRegistry metrics;
    private final byte[] openApi = resource("openapi.json");
    private final byte[] docs = resource("docs.html");

    OpsController(BooleanSupplier databaseHealthy, PrometheusMeterRegistry metrics) {
        this.databaseHealthy = databaseHealthy;
        this.metrics = metrics;
    }

    /** Prometheus text format: requests, active streams, model calls by outcome, first-token and stream timings. */
    void metrics(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
    }

    void health(Context ctx) {
        boolean ok = databaseHealthy.getAsBoolean();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", ok ? "ok" : "unavailable");
        out.put("message", ok ? "LLM Chat backend is running" : "The database is unreachable");
        out.put("version", VERSION);
        Json.send(ctx, ok ? 200 : 503, out);
    }

    void openApi(Context ctx) {
        ctx.contentType(Json.CONTENT_TYPE).result(openApi);
    }

    void docs(Context ctx) {
        ctx.contentType("text/html; charset=utf-8").result(docs);
    }

    static byte[] resource(String name) {
        try (InputStream in = OpsController.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String version() {
        String v = OpsController.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }
}
