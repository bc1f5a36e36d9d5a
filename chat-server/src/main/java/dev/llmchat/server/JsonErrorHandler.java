package dev.llmchat.server;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Jetty's own errors, raised before a request reaches Javalin (a URI or headers too long, a malformed
 * request line), in the same {@code {"detail", "code"}} JSON as every other error, instead of Jetty's HTML.
 */
final class JsonErrorHandler extends ErrorHandler {
    private static byte[] body(int status, String reason) {
        String detail = reason == null || reason.isBlank() ? HttpStatus.getMessage(status) : reason;
        return ("{\"detail\":" + Json.quote(detail) + ",\"code\":\"http_" + status + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Json.CONTENT_TYPE);
        // Jetty drops the connection after refusing a request at this level (an ambiguous URI, say)
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.write(true, ByteBuffer.wrap(body(code, HttpStatus.getMessage(code))), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(new HttpField(HttpHeader.CONTENT_TYPE, Json.CONTENT_TYPE));
        // Jetty closes the connection after a malformed request; say so, or clients reuse it and fail
        fields.put(new HttpField(HttpHeader.CONNECTION, "close"));
        return ByteBuffer.wrap(body(status, HttpStatus.getMessage(status)));
    }
}
