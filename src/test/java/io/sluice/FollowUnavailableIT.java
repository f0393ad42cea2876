package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.support.Http;
import io.sluice.support.ServiceTest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Following where PostgreSQL does not run with {@code wal_level = logical} (the tests' local server): refused, everything else served. */
@DisplayName("Following without wal_level = logical")
class FollowUnavailableIT extends ServiceTest {

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    startSluice(vertx, json -> json.getJsonArray("datasets").add(new JsonObject().put("name", "followed_transactions")
        .put("sql", "SELECT id, status FROM transactions").put("orderBy", new JsonArray().add("id")).put("follow", true)));
  }

  @Test
  @DisplayName("the catalogue says why, a follow request gets 409 naming wal_level, and the dataset's snapshot is still served")
  void refusedButServed() {
    JsonObject dataset = new JsonObject(Http.get(port, "/v1/datasets/followed_transactions").body());
    JsonObject follow = dataset.getJsonObject("follow");
    assertThat(follow.getBoolean("available")).isFalse();
    assertThat(follow.getString("reason")).contains("wal_level").contains("logical");
    HttpResponse<String> followed = Http.get(port, "/v1/datasets/followed_transactions/rows?follow=true");
    assertThat(followed.statusCode()).isEqualTo(409);
    assertThat(new JsonObject(followed.body()).getJsonObject("error").getString("code")).isEqualTo("follow-unavailable");
    assertThat(followed.body()).contains("wal_level");
    HttpResponse<String> snapshot = Http.get(port, "/v1/datasets/followed_transactions/rows?limit=3");
    assertThat(snapshot.statusCode()).isEqualTo(200);
    assertThat(snapshot.body().lines().count()).isEqualTo(3);
  }

  @Test
  @DisplayName("a dataset that does not declare follow says so in the catalogue, and a follow request names the reason")
  void notDeclared() {
    JsonObject follow = new JsonObject(Http.get(port, "/v1/datasets/series").body()).getJsonObject("follow");
    assertThat(follow.getBoolean("available")).isFalse();
    assertThat(follow.getString("reason")).contains("follow: true");
    HttpResponse<String> followed = Http.get(port, "/v1/datasets/series/rows?count=3&follow=true");
    assertThat(followed.statusCode()).as(followed.body()).isBetween(400, 409);
    assertThat(followed.body()).contains("follow: true");
  }
}
