public enum HotRemoveHarnessVersion { public static let string = "0.1" }
