package dev.llmchat.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerConfigTest {
    @Test
    void defaults_are_the_seeds() {
        ServerConfig c = ServerConfig.fromVariables(Map.of());

        assertThat(c.port()).isEqualTo(8000);
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.databaseUrl()).isEqualTo("sqlite:///./conversation.db");
        assertThat(c.presets()).extracting(p -> p.type()).containsExactly("codegeex", "glm");
        assertThat(c.presets().get(0).url()).isEqualTo("http://111.19.168.151:11551/v1/chat/completions");
        assertThat(c.presets().get(0).model()).isEqualTo("codegeex4-all-9b");
        assertThat(c.retention()).isEqualTo(500);
        assertThat(c.corsOrigins()).isEmpty();
    }

    @Test
    void llm_variables_configure_the_default_preset() {
        ServerConfig c = ServerConfig.fromVariables(Map.of("LLM_API_URL", "http://localhost:11434/v1", "LLM_MODEL", "qwen2.5", "LLM_API_KEY", "k"));

        assertThat(c.presets().get(0).url()).isEqualTo("http://localhost:11434/v1");
        assertThat(c.presets().get(0).model()).isEqualTo("qwen2.5");
        assertThat(c.presets().get(0).apiKey()).isEqualTo("k");
    }

    @Test
    void bad_values_stop_start_up_with_one_line_naming_the_variable() {
        assertThatThrownBy(() -> ServerConfig.fromVariables(Map.of("PORT", "eighty"))).isInstanceOf(ConfigException.class)
                .hasMessage("PORT must be an integer from 0 to 65535, got 'eighty'");
        assertThatThrownBy(() -> ServerConfig.fromVariables(Map.of("DATABASE_URL", "oracle://x"))).hasMessageStartingWith("DATABASE_URL: ");
        assertThatThrownBy(() -> ServerConfig.fromVariables(Map.of("TOKEN_SECRET", "short"))).hasMessageContaining("TOKEN_SECRET");
        assertThatThrownBy(() -> ServerConfig.fromVariables(Map.of("MAX_CONVERSATIONS_PER_USER", "-1"))).hasMessageContaining("MAX_CONVERSATIONS_PER_USER");
    }

    @Test
    void h2c_hosts_are_a_list_of_host_and_port_checked_at_start_up() {
        assertThat(ServerConfig.fromVariables(Map.of()).llmH2cHosts()).isEmpty();
        assertThat(ServerConfig.fromVariables(Map.of("LLM_H2C_HOSTS", "gpu1:8000, 10.0.0.7:9000")).llmH2cHosts()).containsExactly("gpu1:8000", "10.0.0.7:9000");
        assertThatThrownBy(() -> ServerConfig.fromVariables(Map.of("LLM_H2C_HOSTS", "http://gpu1:8000/v1"))).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("LLM_H2C_HOSTS: not a host or host:port: 'http://gpu1:8000/v1'");
    }

    @Test
    void presets_can_come_from_a_json_file(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("presets.json");
        Files.writeString(file, "[{\"type\":\"local\",\"name\":\"Local Qwen\",\"url\":\"http://127.0.0.1:8001/v1\",\"model\":\"qwen\",\"context_window\":32768},"
                + "{\"type\":\"cloud\",\"name\":\"Cloud\",\"url\":\"https://api.example.com/v1\",\"model\":\"big\",\"key\":\"sk-abc\"}]");

        ServerConfig c = ServerConfig.fromVariables(Map.of("MODEL_PRESETS_FILE", file.toString()));

        assertThat(c.presets()).extracting(p -> p.type()).containsExactly("local", "cloud");
        assertThat(c.presets().get(0).contextWindow()).isEqualTo(32768);
        assertThat(c.presets().get(1).apiKey()).isEqualTo("sk-abc");
        Files.writeString(file, "[{\"type\":\"broken\"}]");
        assertThatThrownBy(() -> ServerConfig.fromVariables(Map.of("MODEL_PRESETS_FILE", file.toString()))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("needs a url");
    }

    @Test
    void a_dot_env_file_is_read_and_the_environment_wins(@TempDir Path dir) throws Exception {
        Path env = dir.resolve(".env");
        Files.writeString(env, "# comment\nPORT=9001\nLLM_MODEL=\"from-file\"\nHOST=127.0.0.1 # trailing\n");

        ServerConfig c = ServerConfig.fromVariables(ServerConfig.merge(Map.of("PORT", "9002"), env));

        assertThat(c.port()).isEqualTo(9002);
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.presets().get(0).model()).isEqualTo("from-file");
    }

    @Test
    void the_generated_token_secret_is_kept_in_an_owner_only_file(@TempDir Path dir) throws Exception {
        byte[] first = Tokens.secret("", dir);
        byte[] again = Tokens.secret("", dir);

        assertThat(first).hasSize(32).isEqualTo(again);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("token-secret")))).isEqualTo("rw-------");
    }
}
