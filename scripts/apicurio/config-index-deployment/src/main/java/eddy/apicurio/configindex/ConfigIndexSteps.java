package eddy.apicurio.configindex;

import java.util.ArrayList;
import java.util.List;

import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.AnnotationValue;
import org.jboss.jandex.DotName;
import org.jboss.jandex.Type;

import apicurio.common.app.components.config.index.DynamicPropertiesInfoRecorder;
import io.apicurio.common.apps.config.DynamicConfigPropertyDef;
import io.apicurio.common.apps.config.DynamicConfigPropertyList;
import io.quarkus.arc.deployment.BeanDiscoveryFinishedBuildItem;
import io.quarkus.arc.deployment.SyntheticBeanBuildItem;
import io.quarkus.arc.processor.InjectionPointInfo;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.annotations.ExecutionTime;
import io.quarkus.deployment.annotations.Record;

/**
 * Stand-in for the deployment half of Apicurio's "config-index" Quarkus
 * extension, which Maven Central does not serve. It indexes every
 * {@code @ConfigProperty @Dynamic Supplier<T>} field of the application's
 * beans and publishes the list as the DynamicConfigPropertyList bean that
 * the registry's runtime expects.
 */
class ConfigIndexSteps {

    private static final DotName CONFIG_PROPERTY =
            DotName.createSimple("org.eclipse.microprofile.config.inject.ConfigProperty");
    private static final DotName DYNAMIC =
            DotName.createSimple("io.apicurio.common.apps.config.Dynamic");

    @BuildStep
    @Record(ExecutionTime.RUNTIME_INIT)
    void dynamicPropertyList(DynamicPropertiesInfoRecorder recorder,
                             BeanDiscoveryFinishedBuildItem beans,
                             BuildProducer<SyntheticBeanBuildItem> synthetic) throws ClassNotFoundException {
        List<DynamicConfigPropertyDef> defs = new ArrayList<>();
        for (InjectionPointInfo ip : beans.getInjectionPoints()) {
            AnnotationInstance cp = ip.getRequiredQualifier(CONFIG_PROPERTY);
            if (cp == null || !ip.isField()) {
                continue;
            }
            AnnotationInstance dyn = ip.getTarget().asField().annotation(DYNAMIC);
            if (dyn == null) {
                continue;
            }
            String name = cp.value("name").asString();
            Type supplier = ip.getRequiredType();
            if (supplier.kind() != Type.Kind.PARAMETERIZED_TYPE) {
                throw new IllegalStateException("@Dynamic property " + name + " must be a Supplier<T>");
            }
            Type valueType = supplier.asParameterizedType().arguments().get(0);
            AnnotationValue dflt = cp.value("defaultValue");
            if (dflt == null) {
                throw new IllegalStateException("@Dynamic property " + name + " needs a default value");
            }
            DynamicConfigPropertyDef def = new DynamicConfigPropertyDef(name,
                    Class.forName(valueType.name().toString(), false,
                            Thread.currentThread().getContextClassLoader()),
                    dflt.asString());
            if (dyn.value("label") != null) {
                def.setLabel(dyn.value("label").asString());
            }
            if (dyn.value("description") != null) {
                def.setDescription(dyn.value("description").asString());
            }
            if (dyn.value("requires") != null) {
                def.setRequires(dyn.value("requires").asStringArray());
            }
            defs.add(def);
        }
        synthetic.produce(SyntheticBeanBuildItem.configure(DynamicConfigPropertyList.class)
                .runtimeValue(recorder.initializePropertiesInfo(defs))
                .unremovable()
                .setRuntimeInit()
                .done());
    }
}
