package dev.streamlake.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamlake.flink.config.PropertyKeys;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Java constants must say exactly what lib/contracts/flink-properties.json says. */
class PropertyKeysContractTest {

  private static Map<String, Map<String, String>> contract() throws Exception {
    JsonNode groups = Fixtures.json("lib/contracts/flink-properties.json").get("groups");
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> g = groups.fields(); g.hasNext(); ) {
      Map.Entry<String, JsonNode> group = g.next();
      Map<String, String> keys = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> k = group.getValue().fields(); k.hasNext(); ) {
        Map.Entry<String, JsonNode> key = k.next();
        JsonNode def = key.getValue().get("default");
        assertTrue(def != null, group.getKey() + "." + key.getKey() + " has no default (use null if required)");
        assertTrue(
            key.getValue().hasNonNull("description"), group.getKey() + "." + key.getKey() + " has no description");
        keys.put(key.getKey(), def.isNull() ? null : def.asText());
      }
      out.put(group.getKey(), keys);
    }
    return out;
  }

  @Test
  void catalogEqualsTheContractFile() throws Exception {
    assertEquals(contract(), PropertyKeys.CATALOG);
  }

  @Test
  void everyConstantIsAGroupOrAKeyOfItsGroupAndEveryKeyHasAConstant() throws Exception {
    Map<String, Map<String, String>> contract = contract();
    List<String> groupsWithConstants = new ArrayList<>();
    for (Class<?> nested : PropertyKeys.class.getDeclaredClasses()) {
      String group = (String) nested.getField("GROUP").get(null);
      assertTrue(contract.containsKey(group), nested.getSimpleName() + ".GROUP=" + group + " is not in the contract");
      groupsWithConstants.add(group);
      List<String> keys = new ArrayList<>();
      for (Field f : nested.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class && !f.getName().equals("GROUP")) {
          String key = (String) f.get(null);
          assertTrue(contract.get(group).containsKey(key), group + "." + key + " is not in the contract");
          keys.add(key);
        }
      }
      assertEquals(
          new java.util.TreeSet<>(contract.get(group).keySet()),
          new java.util.TreeSet<>(keys),
          "constants of group " + group);
    }
    assertEquals(new java.util.TreeSet<>(contract.keySet()), new java.util.TreeSet<>(groupsWithConstants));
  }
}
