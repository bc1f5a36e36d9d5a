package dev.llmchat.server;

/** An HTTP-level refusal made by the server itself (not by the core): status, stable code, message. */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String code;

    ApiException(int status, String code, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    static ApiException badRequest(String code, String detail) {
        return new ApiException(400, code, detail);
    }

    static ApiException unauthorized(String detail) {
        return new ApiException(401, "not_authenticated", detail);
    }
}
