package dev.llmchat.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The local PostgreSQL or MariaDB server of the store's tests (on developer machines and CI alike): creates
 * uniquely named databases for one test class through the server's admin connection and drops them all
 * afterwards. An unreachable server fails the tests, saying which server they need.
 */
final class ServerDatabases {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String server;
    private final String adminUrl;
    private final String user;
    private final String password;
    private final String storeUrl;
    private final String create;
    private final String drop;
    private final List<String> created = new CopyOnWriteArrayList<>();

    private ServerDatabases(String server, String adminUrl, String user, String password, String storeUrl, String create, String drop) {
        this.server = server;
        this.adminUrl = adminUrl;
        this.user = user;
        this.password = password;
        this.storeUrl = storeUrl;
        this.create = create;
        this.drop = drop;
    }

    static ServerDatabases postgres() {
        return new ServerDatabases("PostgreSQL", "jdbc:postgresql://127.0.0.1:5432/postgres?connectTimeout=5", "postgres", null,
                "postgresql://postgres@127.0.0.1:5432/%s", "CREATE DATABASE %s ENCODING 'UTF8'", "DROP DATABASE IF EXISTS %s WITH (FORCE)");
    }

    /** Reached with the SQLAlchemy URL a MySQL user of the Python backend has, to cover its translation too. */
    static ServerDatabases mariadb() {
        return new ServerDatabases("MariaDB", "jdbc:mariadb://127.0.0.1:3306/?connectTimeout=5000", "root", "",
                "mysql+pymysql://root:@127.0.0.1:3306/%s?charset=utf8mb4", "CREATE DATABASE %s CHARACTER SET utf8mb4", "DROP DATABASE IF EXISTS %s");
    }

    /** A new, empty database; returns the store URL for it. */
    String create() {
        String name = "llmchat_test_" + HexFormat.of().formatHex(bytes());
        admin(create.formatted(name));
        created.add(name);
        return storeUrl.formatted(name);
    }

    /** Drops every database {@link #create} made; tries them all before reporting a failure. */
    void dropAll() {
        List<String> failed = new ArrayList<>();
        for (String name : created) {
            try {
                admin(drop.formatted(name));
                created.remove(name);
            } catch (IllegalStateException e) {
                failed.add(name + " (" + e.getMessage() + ")");
            }
        }
        if (!failed.isEmpty()) throw new IllegalStateException("Could not drop the test databases " + failed);
    }

    private void admin(String sql) {
        try (Connection c = DriverManager.getConnection(adminUrl, user, password); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("The store's tests need " + server + " at " + adminUrl + " (user '" + user
                    + "'), but '" + sql + "' failed: " + e.getMessage(), e);
        }
    }

    private static byte[] bytes() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
