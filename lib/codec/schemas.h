/* codec/schemas.h: the Avro schemas of schemas/<name>.avsc, compiled in. */
#ifndef EDDY_CORE_SCHEMAS_H
#define EDDY_CORE_SCHEMAS_H
extern const char eddy_schema_observation[];
extern const char eddy_schema_feature_vector[];
extern const char eddy_schema_prediction[];
extern const char eddy_schema_score[];
extern const char eddy_schema_forecast[];
extern const char eddy_schema_model_event[];
extern const char eddy_schema_control[];
/* Prediction before its `fallback` field: a writer only, under id 3. */
extern const char eddy_schema_prediction_v1[];
extern const char eddy_schema_forecast_v1[];
#endif
