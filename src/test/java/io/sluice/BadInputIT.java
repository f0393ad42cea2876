package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.support.Http;
import io.sluice.support.RawHttpClient;
import io.sluice.support.ServiceTest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("A bad request")
class BadInputIT extends ServiceTest {


  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx);
  }


  @ParameterizedTest(name = "{0} -> {1} naming {2}")
  @CsvSource(delimiter = '|', value = {
      "/v1/datasets/nope/rows                                  | 404 | ",
      "/v1/datasets/nope                                       | 404 | ",
      "/v1/datasets/transactions/rows?colour=red               | 400 | colour",
      "/v1/datasets/series/rows                                | 400 | count",
      "/v1/datasets/series/rows?count=                         | 400 | count",
      "/v1/datasets/transactions/rows?account=abc              | 400 | account",
      "/v1/datasets/transactions/rows?account=0                | 400 | account",
      "/v1/datasets/transactions/rows?min_amount=-1            | 400 | min_amount",
      "/v1/datasets/transactions/rows?min_amount=1e            | 400 | min_amount",
      "/v1/datasets/transactions/rows?status=bogus             | 400 | status",
      "/v1/datasets/transactions/rows?from=yesterday           | 400 | from",
      "/v1/datasets/transactions/rows?status=settled&status=pending | 400 | status",
      "/v1/datasets/series/rows?count=99999999999              | 400 | count",
      "/v1/datasets/series/rows?count=10&limit=ten             | 400 | limit",
      "/v1/datasets/series/rows?count=10&limit=-1              | 400 | limit",
      "/v1/datasets/series/rows?count=10&format=xml            | 400 | format",
      "/v1/datasets/series/rows?count=10&header=maybe          | 400 | header",
      "/v1/datasets/series/rows?count=10&csv_safe=1            | 400 | csv_safe",
      "/v1/datasets/series/rows?count=10&meta=yes              | 400 | meta",
  })
  @DisplayName("gets its 4xx and a JSON body naming what is wrong, and takes no connection")
  void rejected(String path, int status, String parameter) {
    double opened = sluice.metrics().streamsOpened();

    HttpResponse<String> response = Http.get(port, path);

    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.getString("message")).isNotBlank();
    assertThat(error.getString("parameter")).isEqualTo(parameter);
    if (parameter != null) {
      assertThat(error.getString("message")).contains(parameter);
    }
    assertThat(sluice.metrics().streamsOpened()).as("cursor streams opened").isEqualTo(opened);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/v1/datasets/transactions/rows?status=%ZZ", "/v1/datasets/series/rows?count=1%"})
  @DisplayName("with malformed percent-encoding gets 400 and a JSON body, before any database work")
  void malformedEscape(String path) throws Exception {
    double opened = sluice.metrics().streamsOpened();

    try (RawHttpClient client = RawHttpClient.get(port, path)) {
      String raw = client.readToEnd();

      assertThat(raw).startsWith("HTTP/1.1 400").containsIgnoringCase("content-type: application/json");
      JsonObject error = new JsonObject(raw.substring(raw.indexOf("\r\n\r\n") + 4)).getJsonObject("error");
      assertThat(error.getString("code")).isEqualTo("bad-request");
      assertThat(error.getString("message")).isNotBlank();
    }
    assertThat(sluice.metrics().streamsOpened()).isEqualTo(opened);
  }

  @ParameterizedTest(name = "Accept: {0}")
  @ValueSource(strings = {"application/xml", "text/csv;q=0", "text/*;q=0, application/*;q=0", "*/*;q=0"})
  @DisplayName("that accepts none of the offered formats gets 406 listing them, before any database work")
  void notAcceptable(String accept) {
    double opened = sluice.metrics().streamsOpened();

    HttpResponse<String> response = Http.get(port, "/v1/datasets/series/rows?count=5", "Accept", accept);

    assertThat(response.statusCode()).isEqualTo(406);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(new JsonObject(response.body()).getJsonObject("error").getString("message"))
        .contains("Accept").contains("application/x-ndjson").contains("text/csv");
    assertThat(sluice.metrics().streamsOpened()).isEqualTo(opened);
  }

  @Test
  @DisplayName("is told apart from a good one, which does open a stream")
  void goodRequestOpensAStream() {
    double opened = sluice.metrics().streamsOpened();

    HttpResponse<String> response = Http.get(port, "/v1/datasets/transactions/rows?status=settled&currency=EUR&min_amount=100&max_amount=2000&account=17&from=2024-01-01T00:00:00Z&limit=3");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(sluice.metrics().streamsOpened()).isEqualTo(opened + 1);
  }
}
