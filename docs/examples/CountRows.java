import io.sluice.client.SluiceClient;
import io.sluice.cluster.VertxNodes;
import io.sluice.config.SluiceConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * A service that joins a Sluice cluster and counts the rows of a dataset, with backpressure.
 *
 * <pre>
 * java -cp target/sluice.jar docs/examples/CountRows.java 127.0.0.1:5701 transactions_raw
 * </pre>
 */
public class CountRows {

  public static void main(String[] args) {
    String member = args.length > 0 ? args[0] : "127.0.0.1:5701";
    String dataset = args.length > 1 ? args[1] : "transactions_raw";
    JsonObject cluster = new JsonObject().put("enabled", true).put("port", 5799)
        .put("members", new JsonArray().add(member).add("127.0.0.1:5799"));
    VertxNodes.create(SluiceConfig.from(new JsonObject().put("cluster", cluster)).cluster(), new VertxOptions(), null)
        .onSuccess(vertx -> vertx.runOnContext(v -> count(vertx, dataset)));
  }

  private static void count(Vertx vertx, String dataset) {
    SluiceClient.create(vertx).open(dataset, Map.of())
        .onSuccess(rows -> rows
            .handler(batch -> { })                        // your code: write the batch somewhere, or rows.pipeTo(yourWriteStream)
            .endHandler(end -> {
              System.out.println(dataset + ": " + rows.rows() + " rows");
              vertx.close();
            })
            .exceptionHandler(err -> {
              System.err.println("cut after " + rows.rows() + " rows, go on after " + rows.resumeAfter() + ": " + err.getMessage());
              vertx.close();
            }))
        .onFailure(err -> {
          System.err.println("refused: " + err.getMessage());
          vertx.close();
        });
  }
}
