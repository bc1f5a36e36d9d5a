package dev.llmchat.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class AccountsTest {
    @TempDir
    static Path dir;
    static TestServer s;

    @BeforeAll
    static void start() {
        s = new TestServer(dir);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void registering_returns_a_bearer_token_and_the_user() {
        TestServer.Response r = s.post("/api/auth/register", null, "{\"username\":\"reg_alice\",\"password\":\"s3cret-pass\",\"email\":\"a@example.com\"}");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).matches("application/json; ?charset=utf-8");
        assertThat(r.json().path("token_type").asText()).isEqualTo("bearer");
        assertThat(r.json().path("access_token").asText()).contains(".");
        assertThat(r.json().path("user").path("username").asText()).isEqualTo("reg_alice");
        assertThat(r.json().path("user").path("email").asText()).isEqualTo("a@example.com");
        assertThat(r.json().path("user").path("id").isIntegralNumber()).isTrue();
    }

    @Test
    void a_taken_username_is_a_conflict_whatever_its_case() {
        s.register("dup_user");

        TestServer.Response r = s.post("/api/auth/register", null, "{\"username\":\"DUP_user\",\"password\":\"another-pass\"}");

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().path("code").asText()).isEqualTo("username_taken");
    }

    @Test
    void registration_rejects_short_passwords_bad_usernames_and_missing_fields() {
        assertThat(s.post("/api/auth/register", null, "{\"username\":\"shorty\",\"password\":\"123\"}").json().path("code").asText()).isEqualTo("invalid_password");
        assertThat(s.post("/api/auth/register", null, "{\"username\":\"a b\",\"password\":\"long enough\"}").json().path("code").asText()).isEqualTo("invalid_username");
        TestServer.Response missing = s.post("/api/auth/register", null, "{\"username\":\"nopass\"}");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().path("detail").asText()).contains("password");
    }

    @Test
    void login_accepts_the_oauth2_form_multipart_and_json() {
        s.register("login_bob");
        TestServer.Response form = s.send(HttpRequest.newBuilder(URI.create(s.url("/api/auth/login")))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=login_bob&password=correct+horse+battery")).build());
        String boundary = "----llmchat";
        String multipartBody = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nlogin_bob\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\ncorrect horse battery\r\n--" + boundary + "--\r\n";
        TestServer.Response multipart = s.send(HttpRequest.newBuilder(URI.create(s.url("/api/auth/login")))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(multipartBody)).build());
        TestServer.Response json = s.post("/api/auth/login", null, "{\"username\":\"login_bob\",\"password\":\"correct horse battery\"}");

        for (TestServer.Response r : new TestServer.Response[] {form, multipart, json}) {
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().path("user").path("username").asText()).isEqualTo("login_bob");
            assertThat(s.get("/api/auth/me", r.json().path("access_token").asText()).status()).isEqualTo(200);
        }
    }

    @Test
    void wrong_passwords_and_unknown_users_get_the_same_401() {
        s.register("login_carol");

        TestServer.Response wrong = s.post("/api/auth/login", null, "{\"username\":\"login_carol\",\"password\":\"not the password\"}");
        TestServer.Response unknown = s.post("/api/auth/login", null, "{\"username\":\"nobody_here\",\"password\":\"not the password\"}");

        assertThat(wrong.status()).isEqualTo(401);
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(wrong.text()).isEqualTo(unknown.text());
    }

    @Test
    void me_describes_the_caller_and_needs_a_valid_token() {
        String token = s.register("me_dave");

        TestServer.Response me = s.get("/api/auth/me", token);

        assertThat(me.json().path("username").asText()).isEqualTo("me_dave");
        assertThat(me.json().path("is_active").asBoolean()).isTrue();
        assertThat(me.json().path("created_at").asText()).endsWith("Z");
        assertThat(s.get("/api/auth/me", null).status()).isEqualTo(401);
        assertThat(s.get("/api/auth/me", token + "x").status()).isEqualTo(401);
        assertThat(s.get("/api/auth/me", "not.a.token").json().path("code").asText()).isEqualTo("not_authenticated");
    }
}
