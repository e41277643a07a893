// What a JDBC tool (DBeaver, Metabase, a Java application) does against `strata serve`, through
// the PostgreSQL JDBC driver: connect, browse DatabaseMetaData, run statements and prepared
// statements (unnamed, then named server-side ones), read values of many types, recover from an
// error, and fetch a large result in batches through a cursor. Each check prints "PASS name" or
// "FAIL name: why"; lines starting with "SEEN" report what the catalog listed, for the caller to
// compare. Usage: java JdbcClient URL USER PASSWORD MODE (MODE: full | role).
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeSet;
import java.util.UUID;
import org.postgresql.PGStatement;

public final class JdbcClient {
  interface Check {
    void run() throws Exception;
  }

  private static int failures = 0;

  private static void check(String name, Check body) {
    try {
      body.run();
      System.out.println("PASS " + name);
    } catch (Throwable e) {
      failures++;
      System.out.println("FAIL " + name + ": " + e);
      e.printStackTrace(System.out);
    }
  }

  static void expect(boolean condition, String what) {
    if (!condition) throw new AssertionError(what);
  }

  static void expectEqual(Object expected, Object actual, String what) {
    if (!Objects.equals(expected, actual)) {
      throw new AssertionError(what + ": expected <" + expected + "> but got <" + actual + ">");
    }
  }

  static Connection connect(String url, String user, String password, String extra)
      throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", user);
    if (!password.isEmpty()) props.setProperty("password", password);
    props.setProperty("connectTimeout", "10");
    props.setProperty("socketTimeout", "60");
    props.setProperty("ApplicationName", "strata-jdbc-test");
    return DriverManager.getConnection(url + extra, props);
  }

  // "schema.table TYPE" for every table and view the metadata lists outside the system schemas.
  static List<String> listTables(DatabaseMetaData meta, String schemaPattern) throws SQLException {
    List<String> out = new ArrayList<>();
    try (ResultSet rs = meta.getTables(null, schemaPattern, "%", new String[] {"TABLE", "VIEW"})) {
      while (rs.next()) {
        out.add(rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME") + " "
            + rs.getString("TABLE_TYPE"));
      }
    }
    return out;
  }

  public static void main(String[] args) throws Exception {
    final String url = args[0];
    final String user = args[1];
    final String password = args[2];
    final String mode = args[3];
    if (mode.equals("role")) {
      roleChecks(url, user, password);
    } else {
      fullChecks(url, user, password);
    }
    System.out.println(failures == 0 ? "ALL PASSED" : failures + " FAILED");
    System.exit(failures == 0 ? 0 : 1);
  }

  // A user with a limited role: SCRAM login, and a catalog that lists only what the role reads.
  static void roleChecks(String url, String user, String password) throws Exception {
    try (Connection conn = connect(url, user, password, "")) {
      check("role_connect", () -> {
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_user")) {
          expect(rs.next(), "a row");
        }
      });
      check("role_tables", () -> {
        for (String table : listTables(conn.getMetaData(), null)) System.out.println("SEEN " + table);
      });
      check("role_columns_of_hidden_table", () -> {
        try (ResultSet rs = conn.getMetaData().getColumns(null, "marts", "customers_by_country", "%")) {
          expect(!rs.next(), "columns of a table the role may not read are not listed");
        }
      });
      check("role_reads_allowed_table", () -> {
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM shop.customers")) {
          expect(rs.next(), "a row");
          expectEqual(5L, rs.getLong(1), "customers");
        }
      });
      check("role_refused_other_table", () -> {
        try (Statement st = conn.createStatement()) {
          st.executeQuery("SELECT * FROM marts.customers_by_country");
          throw new AssertionError("the query should have been refused");
        } catch (SQLException e) {
          expectEqual("42501", e.getSQLState(), "SQLSTATE");
        }
      });
    }
  }

  static void fullChecks(String url, String user, String password) throws Exception {
    check("wrong_password_refused", () -> {
      if (password.isEmpty()) return;  // a trusted server takes any password
      try (Connection c = connect(url, user, password + "x", "")) {
        throw new AssertionError("connected with a wrong password");
      } catch (SQLException e) {
        expectEqual("28P01", e.getSQLState(), "SQLSTATE");
      }
    });
    try (Connection conn = connect(url, user, password, "")) {
      metadataChecks(conn);
      queryChecks(conn, "unnamed");
      errorChecks(conn);
      cursorChecks(conn);
    }
    // Server-side prepared statements from the first execution, with binary results.
    try (Connection conn = connect(url, user, password, "?prepareThreshold=1")) {
      queryChecks(conn, "named");
      check("named_statements_used", () -> {
        try (PreparedStatement ps = conn.prepareStatement(
                 "SELECT count(*) FROM shop.customers WHERE id > ?")) {
          for (int i = 0; i < 5; i++) {
            ps.setInt(1, i);
            try (ResultSet rs = ps.executeQuery()) {
              expect(rs.next(), "a row");
              expectEqual(5L - i, rs.getLong(1), "count for id > " + i);
            }
          }
          expect(ps.unwrap(PGStatement.class).isUseServerPrepare(), "server-side prepare");
        }
      });
      errorChecks(conn);
    }
    // Every value in binary where the driver can (forceBinary sends binary parameters too).
    try (Connection conn = connect(url, user, password, "?prepareThreshold=-1")) {
      queryChecks(conn, "binary");
    }
  }

  static void metadataChecks(Connection conn) {
    DatabaseMetaData meta;
    try {
      meta = conn.getMetaData();
    } catch (SQLException e) {
      throw new RuntimeException(e);
    }
    check("product", () -> {
      expectEqual("PostgreSQL", meta.getDatabaseProductName(), "product");
      expect(meta.getDatabaseProductVersion().startsWith("15"), meta.getDatabaseProductVersion());
      expectEqual(15, meta.getDatabaseMajorVersion(), "major version");
      expect(meta.getIdentifierQuoteString().equals("\""), "quote");
      expect(meta.getUserName() != null, "user name");
    });
    check("catalogs", () -> {
      List<String> names = new ArrayList<>();
      try (ResultSet rs = meta.getCatalogs()) {
        while (rs.next()) names.add(rs.getString("TABLE_CAT"));
      }
      expectEqual(List.of(conn.getCatalog()), names, "catalogs");
    });
    check("schemas", () -> {
      TreeSet<String> names = new TreeSet<>();
      try (ResultSet rs = meta.getSchemas()) {
        while (rs.next()) names.add(rs.getString("TABLE_SCHEM"));
      }
      for (String s : List.of("shop", "marts", "staging", "pg_catalog", "information_schema")) {
        expect(names.contains(s), "schema " + s + " in " + names);
      }
      expect(!names.contains("pg_strata"), "pg_strata hidden: " + names);
    });
    check("tables", () -> {
      List<String> tables = listTables(meta, null);
      for (String t : tables) System.out.println("SEEN " + t);
      for (String t : List.of("shop.customers TABLE", "shop.typed TABLE",
               "marts.customers_by_country TABLE", "staging.stg_customers VIEW")) {
        expect(tables.contains(t), t + " in " + tables);
      }
      expectEqual(List.of("shop.customers TABLE", "shop.typed TABLE"), listTables(meta, "shop"),
                  "tables of shop");
    });
    check("table_types", () -> {
      TreeSet<String> types = new TreeSet<>();
      try (ResultSet rs = meta.getTableTypes()) {
        while (rs.next()) types.add(rs.getString(1));
      }
      expect(types.contains("TABLE") && types.contains("VIEW"), types.toString());
    });
    check("columns", () -> {
      List<String> got = new ArrayList<>();
      try (ResultSet rs = meta.getColumns(null, "shop", "typed", "%")) {
        while (rs.next()) {
          got.add(rs.getInt("ORDINAL_POSITION") + ":" + rs.getString("COLUMN_NAME") + ":"
              + rs.getString("TYPE_NAME") + ":" + rs.getInt("DATA_TYPE"));
          expectEqual("typed", rs.getString("TABLE_NAME"), "table name");
        }
      }
      List<String> expected = List.of(
          "1:id:int8:" + Types.BIGINT, "2:amount:numeric:" + Types.NUMERIC,
          "3:day:date:" + Types.DATE, "4:paid:bool:" + Types.BIT,
          "5:ref:uuid:" + Types.OTHER, "6:score:float8:" + Types.DOUBLE,
          "7:label:varchar:" + Types.VARCHAR, "8:seen_at:timestamptz:" + Types.TIMESTAMP,
          "9:local_at:timestamp:" + Types.TIMESTAMP, "10:small:int4:" + Types.INTEGER);
      expectEqual(expected, got.subList(0, Math.min(got.size(), expected.size())), "columns");
    });
    check("column_precision", () -> {
      try (ResultSet rs = meta.getColumns(null, "shop", "typed", "amount")) {
        expect(rs.next(), "amount listed");
        expectEqual(12, rs.getInt("COLUMN_SIZE"), "precision");
        expectEqual(2, rs.getInt("DECIMAL_DIGITS"), "scale");
        expect(!rs.next(), "one column");
      }
    });
    check("view_columns", () -> {
      List<String> got = new ArrayList<>();
      try (ResultSet rs = meta.getColumns(null, "staging", "stg_customers", "%")) {
        while (rs.next()) got.add(rs.getString("COLUMN_NAME") + ":" + rs.getString("TYPE_NAME"));
      }
      expectEqual(List.of("id:int4", "name:varchar", "country:varchar",
                          "signed_up_at:timestamptz"),
                  got.subList(0, Math.min(4, got.size())), "view columns");
    });
    check("primary_keys", () -> {
      try (ResultSet rs = meta.getPrimaryKeys(null, "shop", "customers")) {
        expect(!rs.next(), "lake tables have no primary key");
      }
    });
    check("imported_keys", () -> {
      try (ResultSet rs = meta.getImportedKeys(null, "shop", "customers")) {
        expect(!rs.next(), "lake tables have no foreign key");
      }
    });
    check("index_info", () -> {
      try (ResultSet rs = meta.getIndexInfo(null, "shop", "customers", false, true)) {
        expect(!rs.next(), "lake tables have no index");
      }
    });
    check("type_info", () -> {
      TreeSet<String> names = new TreeSet<>();
      try (ResultSet rs = meta.getTypeInfo()) {
        while (rs.next()) names.add(rs.getString("TYPE_NAME"));
      }
      for (String t : List.of("int4", "int8", "numeric", "text", "varchar", "date",
               "timestamp", "timestamptz", "bool", "uuid", "float8", "json")) {
        expect(names.contains(t), "type " + t + " in " + names);
      }
    });
    check("procedures", () -> {
      try (ResultSet rs = meta.getProcedures(null, "shop", "%")) {
        expect(!rs.next(), "no procedures in shop");
      }
    });
  }

  static void queryChecks(Connection conn, String tag) {
    check(tag + "_statement", () -> {
      try (Statement st = conn.createStatement();
           ResultSet rs = st.executeQuery(
               "SELECT country, customers FROM marts.customers_by_country ORDER BY country")) {
        List<String> rows = new ArrayList<>();
        while (rs.next()) rows.add(rs.getString(1) + "=" + rs.getLong(2));
        expectEqual(List.of("GB=2", "NL=1", "US=2"), rows, "rows");
        expectEqual("country", rs.getMetaData().getColumnName(1), "column name");
        expectEqual(Types.BIGINT, rs.getMetaData().getColumnType(2), "count type");
      }
    });
    check(tag + "_parameters", () -> {
      try (PreparedStatement ps = conn.prepareStatement(
               "SELECT ? AS i, ? AS b, ? AS n, ? AS t, ? AS d, ? AS ts, ? AS tz, ? AS ok, "
               + "? AS u, ? AS f")) {
        for (int round = 0; round < 3; round++) {  // past prepareThreshold
          ps.setInt(1, 42 + round);
          ps.setLong(2, 9007199254740993L);
          ps.setBigDecimal(3, new BigDecimal("12345.6789"));
          ps.setString(4, "it's \"text\" é");
          ps.setObject(5, LocalDate.of(2024, 2, 29));
          ps.setObject(6, LocalDateTime.of(2024, 1, 2, 3, 4, 5, 250_000_000));
          ps.setObject(7, OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 0, ZoneOffset.ofHours(2)));
          ps.setBoolean(8, round % 2 == 0);
          ps.setObject(9, UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
          ps.setDouble(10, 2.5);
          try (ResultSet rs = ps.executeQuery()) {
            expect(rs.next(), "a row");
            expectEqual(42 + round, rs.getInt("i"), "int");
            expectEqual(9007199254740993L, rs.getLong("b"), "bigint");
            expectEqual(0, new BigDecimal("12345.6789").compareTo(rs.getBigDecimal("n")),
                        "numeric " + rs.getBigDecimal("n"));
            expectEqual("it's \"text\" é", rs.getString("t"), "text");
            expectEqual(LocalDate.of(2024, 2, 29), rs.getObject("d", LocalDate.class), "date");
            expectEqual(LocalDateTime.of(2024, 1, 2, 3, 4, 5, 250_000_000),
                        rs.getObject("ts", LocalDateTime.class), "timestamp");
            expectEqual(OffsetDateTime.of(2024, 1, 2, 1, 4, 5, 0, ZoneOffset.UTC)
                            .toInstant(),
                        rs.getObject("tz", OffsetDateTime.class).toInstant(), "timestamptz");
            expectEqual(round % 2 == 0, rs.getBoolean("ok"), "boolean");
            expectEqual(UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
                        rs.getObject("u"), "uuid");
            expectEqual(2.5, rs.getDouble("f"), "double");
          }
        }
      }
    });
    check(tag + "_parameters_in_where", () -> {
      try (PreparedStatement ps = conn.prepareStatement(
               "SELECT name FROM shop.customers WHERE id BETWEEN ? AND ? "
               + "AND signed_up_at < ? AND country = ? ORDER BY id")) {
        ps.setInt(1, 1);
        ps.setLong(2, 5);
        ps.setTimestamp(3, Timestamp.valueOf("2024-03-01 00:00:00"));
        ps.setString(4, "gb");
        List<String> names = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) names.add(rs.getString(1));
        }
        expectEqual(List.of("Ada Lovelace"), names, "names");
      }
    });
    check(tag + "_typed_table_values", () -> {
      try (PreparedStatement ps = conn.prepareStatement(
               "SELECT id, amount, day, paid, ref, score, label, seen_at, local_at, small "
               + "FROM shop.typed WHERE id = ?")) {
        ps.setLong(1, 2);
        try (ResultSet rs = ps.executeQuery()) {
          expect(rs.next(), "a row");
          expectEqual(new BigDecimal("-0.05"), rs.getBigDecimal("amount"), "amount");
          expectEqual(LocalDate.of(1999, 12, 31), rs.getObject("day", LocalDate.class), "day");
          expectEqual(false, rs.getBoolean("paid"), "paid");
          expectEqual(UUID.fromString("00000000-0000-0000-0000-000000000002"),
                      rs.getObject("ref"), "ref");
          expectEqual(-1.5e-3, rs.getDouble("score"), "score");
          expectEqual("b", rs.getString("label"), "label");
          expectEqual(OffsetDateTime.parse("2024-06-30T22:00:00Z").toInstant(),
                      rs.getObject("seen_at", OffsetDateTime.class).toInstant(), "seen_at");
          expectEqual(LocalDateTime.of(2024, 7, 1, 0, 0),
                      rs.getObject("local_at", LocalDateTime.class), "local_at");
          expectEqual(-7, rs.getInt("small"), "small");
          expect(!rs.next(), "one row");
        }
      }
    });
    check(tag + "_value_reads", () -> {
      try (PreparedStatement ps = conn.prepareStatement(
               "SELECT 123456789.000000001::DECIMAL(18,9) AS n, "
               + "TIMESTAMPTZ '2024-01-02 03:04:05.123456+00' AS tz, DATE '0044-03-15' AS d, "
               + "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID AS u, [1, 2, NULL]::INTEGER[] AS ia, "
               + "['x', 'y z', NULL]::VARCHAR[] AS ta, '{\"a\": [1, 2]}'::JSON AS j, "
               + "NULL::INTEGER AS missing, -0.5::REAL AS r, 'ab'::BLOB AS bytes")) {
        for (int round = 0; round < 2; round++) {
          try (ResultSet rs = ps.executeQuery()) {
            expect(rs.next(), "a row");
            expectEqual(new BigDecimal("123456789.000000001"), rs.getBigDecimal("n"), "numeric");
            expectEqual(OffsetDateTime.parse("2024-01-02T03:04:05.123456Z"),
                        rs.getObject("tz", OffsetDateTime.class), "timestamptz");
            expectEqual(LocalDate.of(44, 3, 15), rs.getObject("d", LocalDate.class), "date");
            expectEqual(UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
                        rs.getObject("u", UUID.class), "uuid");
            Array ia = rs.getArray("ia");
            expectEqual("int4", ia.getBaseTypeName(), "int array base type");
            expectEqual(Arrays.asList(1, 2, null), Arrays.asList((Integer[]) ia.getArray()),
                        "int array");
            Array ta = rs.getArray("ta");
            expectEqual(Arrays.asList("x", "y z", null), Arrays.asList((String[]) ta.getArray()),
                        "text array");
            expectEqual("{\"a\": [1, 2]}".replace(" ", ""), rs.getString("j").replace(" ", ""),
                        "json");
            expectEqual(0, rs.getInt("missing"), "null int");
            expect(rs.wasNull(), "wasNull");
            expectEqual(-0.5f, rs.getFloat("r"), "real");
            expectEqual("ab", new String(rs.getBytes("bytes"), "UTF-8"), "bytea");
          }
        }
      }
    });
  }

  static void errorChecks(Connection conn) {
    check("error_recovers_session", () -> {
      try (Statement st = conn.createStatement()) {
        try {
          st.executeQuery("SELECT * FROM no_such_table");
          throw new AssertionError("no error");
        } catch (SQLException e) {
          expectEqual("42P01", e.getSQLState(), "SQLSTATE");
        }
        try (ResultSet rs = st.executeQuery("SELECT 7")) {
          expect(rs.next() && rs.getInt(1) == 7, "usable after the error");
        }
      }
      try (PreparedStatement ps = conn.prepareStatement("SELECT 1 / ?::INTEGER")) {
        ps.setInt(1, 0);
        try {
          ps.executeQuery().close();
        } catch (SQLException e) {
          // DuckDB divides by zero into NULL or an error, either is fine; the session goes on.
        }
        ps.setInt(1, 1);
        try (ResultSet rs = ps.executeQuery()) {
          expect(rs.next(), "a row after the error");
        }
      }
      conn.setAutoCommit(false);
      try (Statement st = conn.createStatement()) {
        try {
          st.executeQuery("SELEC 1");
          throw new AssertionError("no error");
        } catch (SQLException e) {
          expectEqual("42601", e.getSQLState(), "SQLSTATE");
        }
        conn.rollback();
        try (ResultSet rs = st.executeQuery("SELECT 8")) {
          expect(rs.next() && rs.getInt(1) == 8, "usable after rollback");
        }
        conn.commit();
      } finally {
        conn.setAutoCommit(true);
      }
    });
  }

  static void cursorChecks(Connection conn) {
    check("cursor_fetch", () -> {
      conn.setAutoCommit(false);
      try (Statement st = conn.createStatement()) {
        st.setFetchSize(1000);
        long count = 0;
        long sum = 0;
        try (ResultSet rs = st.executeQuery("SELECT i FROM range(25000) t(i) ORDER BY i")) {
          while (rs.next()) {
            count++;
            sum += rs.getLong(1);
          }
        }
        expectEqual(25000L, count, "rows");
        expectEqual(25000L * 24999L / 2, sum, "sum");
        // Two open cursors read in turns.
        try (PreparedStatement a = conn.prepareStatement("SELECT i FROM range(3000) t(i)");
             PreparedStatement b = conn.prepareStatement("SELECT i * 2 FROM range(3000) t(i)")) {
          a.setFetchSize(100);
          b.setFetchSize(100);
          try (ResultSet ra = a.executeQuery(); ResultSet rb = b.executeQuery()) {
            long total = 0;
            int rows = 0;
            while (ra.next() && rb.next()) {
              total += ra.getLong(1) + rb.getLong(1);
              rows++;
            }
            expectEqual(3000, rows, "interleaved rows");
            expectEqual(3L * 3000 * 2999 / 2, total, "interleaved sum");
          }
        }
        conn.commit();
      } finally {
        conn.setAutoCommit(true);
      }
    });
  }
}
