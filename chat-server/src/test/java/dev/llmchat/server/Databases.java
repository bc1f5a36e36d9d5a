package dev.llmchat.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Throw-away databases on the PostgreSQL and MariaDB servers every machine of this project runs
 * (127.0.0.1, trust / empty password): each is uniquely named and dropped by {@link #close}.
 */
record Databases(Kind kind, String name) implements AutoCloseable {
    enum Kind { POSTGRESQL, MARIADB }

    static Databases create(Kind kind) {
        String name = "llmchat_test_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        admin(kind, "CREATE DATABASE " + name + (kind == Kind.MARIADB ? " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" : ""));
        return new Databases(kind, name);
    }

    /** The seed's form of the URL, as an operator would write DATABASE_URL. */
    String url() {
        return kind == Kind.POSTGRESQL ? "postgresql://postgres@127.0.0.1:5432/" + name : "mysql+pymysql://root@127.0.0.1:3306/" + name;
    }

    String jdbcUrl() {
        return kind == Kind.POSTGRESQL ? "jdbc:postgresql://127.0.0.1:5432/" + name + "?user=postgres"
                : "jdbc:mariadb://127.0.0.1:3306/" + name + "?user=root";
    }

    /** Runs a SQL resource (';' at a line's end ends a statement, '--' lines are comments) on this database. */
    void run(String resource) {
        try (InputStream in = Databases.class.getResourceAsStream("/" + resource);
             Connection c = DriverManager.getConnection(jdbcUrl()); Statement st = c.createStatement()) {
            if (in == null) throw new IllegalArgumentException("no resource " + resource);
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).replaceAll("(?m)^--.*\\n", "");
            for (String sql : Arrays.stream(text.split(";[ \\t]*\\n")).map(String::strip).filter(s -> !s.isEmpty()).toList()) st.execute(sql);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        admin(kind, kind == Kind.POSTGRESQL ? "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)" : "DROP DATABASE IF EXISTS " + name);
    }

    private static void admin(Kind kind, String sql) {
        String url = kind == Kind.POSTGRESQL ? "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres" : "jdbc:mariadb://127.0.0.1:3306/?user=root";
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("the " + kind + " server at 127.0.0.1 is needed by this test and did not answer: " + e.getMessage(), e);
        }
    }
}
