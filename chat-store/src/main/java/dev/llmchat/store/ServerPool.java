package dev.llmchat.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;

/** The connection pool over a PostgreSQL or MySQL/MariaDB server. */
final class ServerPool {
    static final int SIZE = 16;
    static final long CONNECTION_TIMEOUT_MILLIS = 10_000;
    static final long VALIDATION_TIMEOUT_MILLIS = 3_000;

    private ServerPool() {
    }

    static HikariDataSource open(DatabaseUrl url) {
        String jdbcUrl = jdbcUrl(url);
        requireDriver(url.kind(), jdbcUrl);
        HikariConfig pool = new HikariConfig();
        pool.setPoolName("llmchat-" + url.kind().name().toLowerCase(Locale.ROOT));
        pool.setJdbcUrl(jdbcUrl);
        url.user().ifPresent(pool::setUsername);
        url.password().ifPresent(pool::setPassword);
        pool.setMaximumPoolSize(SIZE);
        pool.setConnectionTimeout(CONNECTION_TIMEOUT_MILLIS);
        pool.setValidationTimeout(VALIDATION_TIMEOUT_MILLIS);
        if (url.kind() == DatabaseUrl.Kind.MYSQL) {
            // Every character, emoji too, in and out; literals compare exactly, like the tables' columns.
            pool.addDataSourceProperty("connectionCollation", "utf8mb4_bin");
        }
        try {
            return new HikariDataSource(pool);
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("Cannot connect to the database " + url + ": " + cause.getMessage(), e);
        }
    }

    /** MySQL servers are reached through the MariaDB driver, which speaks to both. */
    static String jdbcUrl(DatabaseUrl url) {
        String jdbc = url.jdbcUrl();
        if (url.kind() == DatabaseUrl.Kind.MYSQL && jdbc.regionMatches(true, 0, "jdbc:mysql:", 0, "jdbc:mysql:".length())) {
            return "jdbc:mariadb:" + jdbc.substring("jdbc:mysql:".length());
        }
        return jdbc;
    }

    private static void requireDriver(DatabaseUrl.Kind kind, String jdbcUrl) {
        try {
            DriverManager.getDriver(jdbcUrl);
        } catch (SQLException e) {
            String artifact = kind == DatabaseUrl.Kind.POSTGRESQL ? "org.postgresql:postgresql" : "org.mariadb.jdbc:mariadb-java-client";
            throw new IllegalStateException("No JDBC driver for " + kind + " on the classpath: add " + artifact, e);
        }
    }
}
