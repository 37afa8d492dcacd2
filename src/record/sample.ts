// The record `loghook send-test` sends: KumoMTA's documented Delivery example (docs: "Log
// Record", the Delivery record of kumod's log hooks), as one line the way kumod writes it, marked
// as a test in `meta` (`"loghook_test": "send-test"`) so that a receiver can drop it.
export const SAMPLE_RECORD =
  '{"type":"Delivery","id":"1d98076abbbc11ed940250ebf67f93bd","sender":"user@sender.example.com","recipient":"user@recipient.example.com",' +
  '"queue":"campaign:tenant@domain","site":"source2->(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com.","size":1047,' +
  '"response":{"code":250,"enhanced_code":{"class":2,"subject":0,"detail":0},"content":"OK ids=8a5475ccbbc611eda12250ebf67f93bd","command":"."},' +
  '"peer_address":{"name":"gmail-smtp-in.l.google.com.","addr":"142.251.2.27"},"timestamp":1678069691,"created":1678069691,"num_attempts":0,' +
  '"bounce_classification":"Uncategorized","egress_pool":"pool0","egress_source":"source2",' +
  '"source_address":{"address":"10.0.0.1:53210","protocol":"socks5","server":"192.168.1.1:5000"},"feedback_report":null,' +
  '"meta":{"loghook_test":"send-test"},"headers":{},"delivery_protocol":"ESMTP","reception_protocol":"ESMTP",' +
  '"nodeid":"557f3ad4-2c8c-11ee-976e-782d7e12e173","tls_cipher":"TLS_AES_256_GCM_SHA384","tls_protocol_version":"TLSv1.3",' +
  '"session_id":"9bcd689e-23d9-41b7-a015-63a1382f8b57"}\n';
