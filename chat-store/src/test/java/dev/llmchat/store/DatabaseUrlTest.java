package dev.llmchat.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmchat.store.DatabaseUrl.Kind;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

final class DatabaseUrlTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # url                                                      | kind       | jdbc url                                         | user  | password
            sqlite:///./conversation.db                                | SQLITE     | jdbc:sqlite:./conversation.db                    | -     | -
            sqlite:///conversation.db                                  | SQLITE     | jdbc:sqlite:conversation.db                      | -     | -
            sqlite:////var/lib/llmchat/chat.db                         | SQLITE     | jdbc:sqlite:/var/lib/llmchat/chat.db             | -     | -
            sqlite:///./data/chat.db?check_same_thread=False           | SQLITE     | jdbc:sqlite:./data/chat.db                       | -     | -
            sqlite+pysqlite:///chat.db                                 | SQLITE     | jdbc:sqlite:chat.db                              | -     | -
            '  sqlite:///chat.db  '                                    | SQLITE     | jdbc:sqlite:chat.db                              | -     | -
            jdbc:sqlite:/srv/chat.db                                   | SQLITE     | jdbc:sqlite:/srv/chat.db                         | -     | -
            jdbc:sqlite:file:/srv/chat.db?cache=private                | SQLITE     | jdbc:sqlite:file:/srv/chat.db?cache=private      | -     | -
            postgresql://chat:s3cret@db.internal:5432/llmchat          | POSTGRESQL | jdbc:postgresql://db.internal:5432/llmchat       | chat  | s3cret
            postgresql+psycopg2://chat:p%40ss%3Aw+rd@db/llmchat        | POSTGRESQL | jdbc:postgresql://db/llmchat                     | chat  | p@ss:w+rd
            postgres://chat@db/llmchat?sslmode=require                 | POSTGRESQL | jdbc:postgresql://db/llmchat?sslmode=require     | chat  | -
            postgresql:///llmchat                                      | POSTGRESQL | jdbc:postgresql://localhost/llmchat              | -     | -
            jdbc:postgresql://db:5432/llmchat?user=chat&password=pw    | POSTGRESQL | jdbc:postgresql://db:5432/llmchat?user=chat&password=pw | chat | pw
            jdbc:postgresql://db/llmchat                               | POSTGRESQL | jdbc:postgresql://db/llmchat                     | -     | -
            mysql+pymysql://root:pw@127.0.0.1:3306/chat?charset=utf8mb4 | MYSQL     | jdbc:mysql://127.0.0.1:3306/chat?charset=utf8mb4 | root  | pw
            mysql://root:p@ss@db/chat                                  | MYSQL      | jdbc:mysql://db/chat                             | root  | p@ss
            mariadb://chat:pw@[::1]:3306/chat                          | MYSQL      | jdbc:mariadb://[::1]:3306/chat                   | chat  | pw
            mariadb+mariadbconnector://chat:@db/chat                   | MYSQL      | jdbc:mariadb://db/chat                           | chat  | ''
            jdbc:mysql://db:3306/chat?user=root                        | MYSQL      | jdbc:mysql://db:3306/chat?user=root              | root  | -
            jdbc:mariadb://db/chat                                     | MYSQL      | jdbc:mariadb://db/chat                           | -     | -
            """)
    void accepted_forms_give_kind_jdbc_url_and_credentials(String url, Kind kind, String jdbcUrl, String user, String password) {
        DatabaseUrl parsed = DatabaseUrl.parse(url);

        assertThat(parsed.kind()).isEqualTo(kind);
        assertThat(parsed.jdbcUrl()).isEqualTo(jdbcUrl);
        assertThat(parsed.user()).isEqualTo(Optional.ofNullable(user));
        assertThat(parsed.password()).isEqualTo(Optional.ofNullable(password));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "conversation.db", "/var/lib/chat.db", "sqlite:/chat.db", "sqlite:chat.db", "sqlite//chat.db",
            "http://example.com/db", "oracle://scott:tiger@db/orcl", "jdbc:h2:mem:chat", "mongodb://db/chat", "postgresql:db",
            "mysql://u:bad%zzpassword@db/chat"})
    void anything_else_is_refused_with_the_accepted_forms(String url) {
        assertThatThrownBy(() -> DatabaseUrl.parse(url))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sqlite:///relative/path.db")
                .hasMessageContaining("postgresql://")
                .hasMessageNotContaining("bad%zzpassword");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite://", "sqlite:///", "sqlite:///:memory:", "jdbc:sqlite::memory:", "jdbc:sqlite:file::memory:?cache=shared",
            "jdbc:sqlite:file:chat?mode=memory"})
    void in_memory_sqlite_is_refused_because_the_pool_could_not_share_it(String url) {
        assertThatThrownBy(() -> DatabaseUrl.parse(url))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("in-memory SQLite")
                .hasMessageContaining("sqlite:///");
    }

    @Test
    void the_sqlite_file_is_derived_from_the_url() {
        assertThat(DatabaseUrl.parse("sqlite:///./data/chat.db").sqliteFile()).contains(Path.of("./data/chat.db"));
        assertThat(DatabaseUrl.parse("sqlite:////srv/chat.db").sqliteFile()).contains(Path.of("/srv/chat.db"));
        assertThat(DatabaseUrl.parse("jdbc:sqlite:file:///srv/chat.db?cache=private").sqliteFile()).contains(Path.of("/srv/chat.db"));
        assertThat(DatabaseUrl.parse("postgresql://db/chat").sqliteFile()).isEmpty();
    }

    @Test
    void the_password_never_shows_in_to_string() {
        assertThat(DatabaseUrl.parse("postgresql://chat:s3cret@db/llmchat").toString()).contains("chat").doesNotContain("s3cret");
        assertThat(DatabaseUrl.parse("jdbc:postgresql://db/llmchat?user=chat&password=s3cret").toString()).doesNotContain("s3cret");
    }
}
