<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis simplifyAlgorithm="0" minScale="100000000" styleCategories="AllStyleCategories" symbologyReferenceScale="-1" maxScale="0" labelsEnabled="0" simplifyDrawingHints="1" simplifyMaxScale="1" readOnly="0" hasScaleBasedVisibilityFlag="0" simplifyDrawingTol="1" simplifyLocal="1" version="3.22.16-Białowieża">
  <flags>
    <Identifiable>1</Identifiable>
    <Removable>1</Removable>
    <Searchable>1</Searchable>
    <Private>0</Private>
  </flags>
  <temporal limitMode="0" endExpression="" durationField="" mode="0" accumulate="0" endField="" startExpression="" enabled="0" durationUnit="min" startField="" fixedDuration="0">
    <fixedRange>
      <start></start>
      <end></end>
    </fixedRange>
  </temporal>
  <renderer-v2 enableorderby="0" radius_unit="0" radius="5" quality="3" weight_expression="" radius_map_unit_scale="3x:0,0,0,0,0,0" type="heatmapRenderer" referencescale="-1" forceraster="0" symbollevels="0" max_value="0">
    <colorramp type="gradient" name="[source]">
      <Option type="Map">
        <Option type="QString" value="255,255,255,0" name="color1"/>
        <Option type="QString" value="165,15,21,255" name="color2"/>
        <Option type="QString" value="0" name="discrete"/>
        <Option type="QString" value="gradient" name="rampType"/>
        <Option type="QString" value="0.3;252,174,145,255:0.6;251,106,74,255" name="stops"/>
      </Option>
      <prop k="color1" v="255,255,255,0"/>
      <prop k="color2" v="165,15,21,255"/>
      <prop k="discrete" v="0"/>
      <prop k="rampType" v="gradient"/>
      <prop k="stops" v="0.3;252,174,145,255:0.6;251,106,74,255"/>
    </colorramp>
  </renderer-v2>
  <customproperties>
    <Option/>
  </customproperties>
  <blendMode>0</blendMode>
  <featureBlendMode>0</featureBlendMode>
  <layerOpacity>1</layerOpacity>
  <geometryOptions geometryPrecision="0" removeDuplicateNodes="0">
    <activeChecks type="StringList">
      <Option type="QString" value=""/>
    </activeChecks>
    <checkConfiguration/>
  </geometryOptions>
  <legend showLabelLegend="0" type="default-vector"/>
  <referencedLayers/>
  <fieldConfiguration>
    <field configurationFlags="None" name="pn_system">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field configurationFlags="None" name="severity">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field configurationFlags="None" name="pn_brk_cls">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field configurationFlags="None" name="pn_ovf_cls">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field configurationFlags="None" name="pn_risk_cls">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
  </fieldConfiguration>
  <aliases>
    <alias name="" index="0" field="pn_system"/>
    <alias name="" index="1" field="severity"/>
    <alias name="" index="2" field="pn_brk_cls"/>
    <alias name="" index="3" field="pn_ovf_cls"/>
    <alias name="" index="4" field="pn_risk_cls"/>
  </aliases>
  <defaults>
    <default expression="" applyOnUpdate="0" field="pn_system"/>
    <default expression="" applyOnUpdate="0" field="severity"/>
    <default expression="" applyOnUpdate="0" field="pn_brk_cls"/>
    <default expression="" applyOnUpdate="0" field="pn_ovf_cls"/>
    <default expression="" applyOnUpdate="0" field="pn_risk_cls"/>
  </defaults>
  <constraints>
    <constraint unique_strength="0" constraints="0" exp_strength="0" notnull_strength="0" field="pn_system"/>
    <constraint unique_strength="0" constraints="0" exp_strength="0" notnull_strength="0" field="severity"/>
    <constraint unique_strength="0" constraints="0" exp_strength="0" notnull_strength="0" field="pn_brk_cls"/>
    <constraint unique_strength="0" constraints="0" exp_strength="0" notnull_strength="0" field="pn_ovf_cls"/>
    <constraint unique_strength="0" constraints="0" exp_strength="0" notnull_strength="0" field="pn_risk_cls"/>
  </constraints>
  <constraintExpressions>
    <constraint desc="" exp="" field="pn_system"/>
    <constraint desc="" exp="" field="severity"/>
    <constraint desc="" exp="" field="pn_brk_cls"/>
    <constraint desc="" exp="" field="pn_ovf_cls"/>
    <constraint desc="" exp="" field="pn_risk_cls"/>
  </constraintExpressions>
  <expressionfields/>
  <attributeactions/>
  <attributetableconfig actionWidgetStyle="dropDown" sortOrder="0" sortExpression="">
    <columns/>
  </attributetableconfig>
  <conditionalstyles>
    <rowstyles/>
    <fieldstyles/>
  </conditionalstyles>
  <storedexpressions/>
  <editform tolerant="1"></editform>
  <editforminit/>
  <editforminitcodesource>0</editforminitcodesource>
  <editforminitfilepath></editforminitfilepath>
  <editforminitcode><![CDATA[]]></editforminitcode>
  <featformsuppress>0</featformsuppress>
  <editorlayout>generatedlayout</editorlayout>
  <editable/>
  <labelOnTop/>
  <reuseLastValue/>
  <dataDefinedFieldProperties/>
  <widgets/>
  <previewExpression></previewExpression>
  <mapTip></mapTip>
  <layerGeometryType>0</layerGeometryType>
</qgis>
