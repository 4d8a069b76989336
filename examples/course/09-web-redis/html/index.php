<html>
<body>
<?php
$redis = new Redis();
$redis->connect('myredis', 6379);
$value = $redis->get("key_12");
echo "<p>key_12 = " . ($value === false ? "(nil)" : $value) . "</p>\n";
?>
</body>
</html>
